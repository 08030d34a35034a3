# Peer of goal 6 (issue 11): the liveness probe on FastAPI, one uvicorn worker (uvloop + httptools).
from fastapi import FastAPI

app = FastAPI()


@app.get("/health/live")
async def live():
    return {"status": "ok"}
