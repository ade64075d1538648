"""The bare endpoint the channel benchmarks compare against: the same framework and server, a route that
reads the request body (JSON or form) and answers 200, nothing else."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/{path:path}")
async def accept(request: Request, path: str) -> Response:
    if request.headers.get("content-type", "").startswith("application/json"):
        await request.json()
    else:
        await request.form()
    return Response(status_code=200)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
