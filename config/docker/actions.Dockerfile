# Rasa action server: the custom actions and the shared stdlib-only validators.
FROM rasa/rasa-sdk:3.6.2
USER root
RUN pip install --no-cache-dir pyyaml
WORKDIR /app
COPY intake_core/__init__.py intake_core/codes.py ./intake_core/
COPY dialogue ./dialogue
COPY config/categories.yaml ./config/categories.yaml
ENV PYTHONPATH=/app INTAKE_CATEGORIES_FILE=/app/config/categories.yaml
USER 1001
CMD ["start", "--actions", "dialogue.rasa.actions", "--port", "5055"]
