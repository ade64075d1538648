# Rasa server with the Chinese tokenizer, trained from dialogue/rasa at build time.
FROM rasa/rasa:3.6.21
USER root
RUN pip install --no-cache-dir jieba
COPY dialogue/rasa /app
WORKDIR /app
RUN rasa train --fixed-model-name intake --out /app/models
USER 1001
CMD ["run", "--enable-api", "--port", "5005", "--model", "/app/models/intake.tar.gz", "--endpoints", "endpoints.yml"]
