"""Runs the real Rasa 3.6 for the service: its own Python 3.10 venv, trained models, the two servers.

Rasa 3.6 only supports Python 3.10, while the service runs on 3.11+, so Rasa lives in a venv under
~/.cache/intake/rasa-<hash of the pins> that is built once and reused. Models are cached under
~/.cache/intake/models/<hash of the project files>.tar.gz and retrained only when config.yml,
domain.yml or data/ change. Logs of installs, training and the servers go to ~/.cache/intake/logs.

Standard library only; used by the `intake rasa …` CLI and by the Rasa contract tests.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

REQUIREMENTS = ("rasa==3.6.21", "rasa-sdk==3.6.2", "jieba", "pyyaml")
PROJECT_DIR = Path(__file__).resolve().parent / "rasa"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ACTION_ENDPOINT = "http://127.0.0.1:5055/webhook"
SPLIT_SEED = 42
TRAINING_FRACTION = 0.8
MARKER = ".install-complete"

# Quiet, offline-friendly Rasa: no telemetry, less TensorFlow chatter.
QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
             "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore"}


class RasaRuntimeError(RuntimeError):
    """Something the operator has to fix; the message says how."""


def cache_dir() -> Path:
    return Path(os.environ.get("INTAKE_CACHE_DIR", Path.home() / ".cache" / "intake"))


def logs_dir() -> Path:
    path = cache_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def say(message: str) -> None:
    print(f"[rasa] {message}", file=sys.stderr, flush=True)


# --- Python 3.10 and the venv ---------------------------------------------------------------

def find_python310() -> Path:
    """RASA_PYTHON, else pyenv's newest 3.10, else python3.10 on PATH."""
    configured = os.environ.get("RASA_PYTHON")
    candidates = [Path(configured)] if configured else []
    candidates += _pyenv_pythons()
    on_path = shutil.which("python3.10")
    candidates += [Path(on_path)] if on_path else []
    for candidate in candidates:
        if _is_python310(candidate):
            return candidate
    if configured:
        raise RasaRuntimeError(f"RASA_PYTHON={configured} is not a working Python 3.10 interpreter.")
    raise RasaRuntimeError(
        "Rasa 3.6 needs Python 3.10, and none was found. Install one (for example "
        "`pyenv install 3.10`, or `apt-get install python3.10 python3.10-venv`) or point "
        "RASA_PYTHON at a python3.10 executable.")


def _pyenv_pythons() -> list[Path]:
    root = None
    if shutil.which("pyenv"):
        result = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        root = result.stdout.strip() or None
    root = root or str(Path.home() / ".pyenv")
    found = glob.glob(os.path.join(root, "versions", "3.10*", "bin", "python3.10"))
    return [Path(p) for p in sorted(found, key=_version_key, reverse=True)]


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name  # …/versions/3.10.13/bin/python3.10
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def _is_python310(python: Path) -> bool:
    try:
        result = subprocess.run([str(python), "-c", "import sys; print(sys.version_info[:2] == (3, 10))"],
                                capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return False
    return result.stdout.strip() == "True"


def environment_hash() -> str:
    return hashlib.sha256("\n".join(REQUIREMENTS).encode()).hexdigest()[:12]


def environment_dir() -> Path:
    return cache_dir() / f"rasa-{environment_hash()}"


def ensure_environment() -> Path:
    """The venv with the pinned Rasa, built once; a marker file says the install completed."""
    venv = environment_dir()
    if (venv / MARKER).exists():
        return venv
    python = find_python310()
    log = logs_dir() / f"{venv.name}-install.log"
    say(f"building the Rasa environment in {venv} with {python} (takes minutes; log: {log})")
    if venv.exists():
        shutil.rmtree(venv)  # a half-built venv from an interrupted install
    with open(log, "w", encoding="utf-8") as out:
        _run([str(python), "-m", "venv", str(venv)], out, "creating the venv", env=_install_env())
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
        _run([*pip, "--upgrade", "pip"], out, "upgrading pip", env=_install_env())
        _run([*pip, *REQUIREMENTS], out, f"installing {' '.join(REQUIREMENTS)}", env=_install_env())
    (venv / MARKER).write_text("\n".join(REQUIREMENTS) + "\n", encoding="utf-8")
    say("Rasa environment ready")
    return venv


def _run(command: list[str], out, what: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    out.write(f"$ {' '.join(command)}\n")
    out.flush()
    result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env or _env(),
                            check=False)
    if result.returncode != 0:
        raise RasaRuntimeError(f"{what} failed (exit {result.returncode}); see {out.name}")


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **QUIET_ENV, **extra}
    # The action server imports dialogue.fields, dialogue.form_logic and intake_core.codes.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("RASA_ACTION_ENDPOINT", DEFAULT_ACTION_ENDPOINT)
    # Rasa's training cache, outside the clone; it lets a retrain reuse unchanged components.
    env.setdefault("RASA_CACHE_DIRECTORY", str(cache_dir() / "rasa-train-cache"))
    return env


def _install_env() -> dict[str, str]:
    # Without the repository on the path: pip would otherwise check the service's own pins.
    env = {**os.environ, **QUIET_ENV}
    env.pop("PYTHONPATH", None)
    return env


def rasa_executable() -> str:
    return str(ensure_environment() / "bin" / "rasa")


# --- training -------------------------------------------------------------------------------

def project_files(project_dir: Path) -> list[Path]:
    data = sorted(p for p in (project_dir / "data").rglob("*") if p.is_file())
    return [project_dir / "config.yml", project_dir / "domain.yml", *data]


def project_hash(project_dir: Path) -> str:
    digest = hashlib.sha256(environment_hash().encode())
    for path in project_files(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(project_dir: Path = PROJECT_DIR) -> Path:
    return cache_dir() / "models" / f"{project_hash(project_dir)}.tar.gz"


def train(project_dir: Path = PROJECT_DIR, *, force: bool = False) -> Path:
    """The trained model for the project as it is now, trained only if not cached yet."""
    project_dir = Path(project_dir).resolve()
    target = model_path(project_dir)
    if target.exists() and not force:
        say(f"model up to date: {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Per process: two trainings of the same files (two test runs) must not rename each other's file.
    # No dot in it: Rasa would take the part after a dot for a file extension and drop it.
    partial = f"partial-{os.getpid()}-{target.name.removesuffix('.tar.gz')}"
    log = logs_dir() / f"train-{target.name.removesuffix('.tar.gz')}.log"
    say(f"training the Rasa model (a few minutes; log: {log})")
    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        _run([rasa_executable(), "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
              "--out", str(target.parent), "--fixed-model-name", partial, "--force"],
             out, "rasa train", cwd=project_dir)
    os.replace(target.parent / f"{partial}.tar.gz", target)  # appears only when complete
    say(f"trained in {time.monotonic() - started:.0f} s: {target}")
    return target


# --- the servers ----------------------------------------------------------------------------

@dataclass
class RasaServers:
    """The running Rasa server and action server; stop() (or leaving the with-block) ends both."""

    rasa_url: str
    actions_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for process in reversed(self.processes):
            _stop(process)
        self.processes.clear()

    def __enter__(self) -> RasaServers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def up(project_dir: Path = PROJECT_DIR, *, model: Path | None = None, host: str = "127.0.0.1",
       rasa_port: int = 5005, actions_port: int = 5055, timeout: float = 300.0) -> RasaServers:
    """Start `rasa run actions` and `rasa run --enable-api`, and wait until both answer."""
    project_dir = Path(project_dir).resolve()
    model = model or train(project_dir)
    servers = RasaServers(f"http://{host}:{rasa_port}", f"http://{host}:{actions_port}")
    for url in (servers.rasa_url, servers.actions_url):
        if _answers(url):
            raise RasaRuntimeError(f"something already listens on {url}; stop it or choose other ports")
    endpoint = f"{servers.actions_url}/webhook"
    try:
        servers.processes.append(_start(
            [rasa_executable(), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            project_dir, "action-server", SANIC_HOST=host))  # rasa-sdk's only way to pick the interface
        _wait_until(f"{servers.actions_url}/health", servers.processes[-1], "the action server", timeout)
        servers.processes.append(_start(
            [rasa_executable(), "run", "--enable-api", "--model", str(model), "--interface", host,
             "--port", str(rasa_port), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            project_dir, "rasa-server", RASA_ACTION_ENDPOINT=endpoint))
        _wait_until(f"{servers.rasa_url}/status", servers.processes[-1], "the Rasa server", timeout,
                    ready=lambda body: bool(json.loads(body or "{}").get("model_file")))
    except BaseException:
        servers.stop()
        raise
    say(f"Rasa at {servers.rasa_url}, actions at {servers.actions_url}")
    return servers


def _start(command: list[str], cwd: Path, name: str, **env: str) -> subprocess.Popen:
    log = logs_dir() / f"{name}.log"
    say(f"starting {name} (log: {log})")
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        # Own session, so stop() can end the server together with any worker it spawned.
        return subprocess.Popen(command, cwd=cwd, env=_env(**env), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _stop(process: subprocess.Popen, grace: float = 20.0) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def _wait_until(url: str, process: subprocess.Popen, what: str, timeout: float,
                ready=lambda body: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RasaRuntimeError(f"{what} exited with {process.returncode}; see {logs_dir()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if ready(response.read().decode("utf-8", "replace")):
                    return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(1.0)
    raise RasaRuntimeError(f"{what} did not answer {url} within {timeout:.0f} s; see {logs_dir()}")


# --- NLU evaluation -------------------------------------------------------------------------

def evaluate_nlu(project_dir: Path = PROJECT_DIR) -> dict:
    """Intent report of a held-out test: split nlu.yml (fixed seed), train on 80 %, test on 20 %.

    Returns Rasa's intent_report.json; its "macro avg" → "f1-score" is the headline number.
    """
    project_dir = Path(project_dir).resolve()
    work = cache_dir() / "nlu-eval" / project_hash(project_dir)
    report = work / "results" / "intent_report.json"
    if report.exists():
        return json.loads(report.read_text(encoding="utf-8"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    rasa = rasa_executable()
    log = logs_dir() / f"nlu-eval-{work.name}.log"
    say(f"held-out NLU evaluation (log: {log})")
    with open(log, "w", encoding="utf-8") as out:
        _run([rasa, "data", "split", "nlu", "--nlu", "data/nlu.yml", "--training-fraction",
              str(TRAINING_FRACTION), "--random-seed", str(SPLIT_SEED), "--out", str(work / "split")],
             out, "rasa data split nlu", cwd=project_dir)
        _run([rasa, "train", "nlu", "--config", "config.yml", "--nlu", str(work / "split" / "training_data.yml"),
              "--out", str(work), "--fixed-model-name", "nlu"], out, "rasa train nlu", cwd=project_dir)
        _run([rasa, "test", "nlu", "--model", str(work / "nlu.tar.gz"), "--nlu",
              str(work / "split" / "test_data.yml"), "--out", str(work / "results")],
             out, "rasa test nlu", cwd=project_dir)
    return json.loads(report.read_text(encoding="utf-8"))


def macro_f1(report: dict) -> float:
    return float(report["macro avg"]["f1-score"])


# --- command line ---------------------------------------------------------------------------

def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dialogue.rasa_runtime", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["env", "train", "up", "evaluate"])
    parser.add_argument("--project", type=Path, default=PROJECT_DIR)
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        if args.command == "env":
            print(ensure_environment())
        elif args.command == "train":
            print(train(args.project))
        elif args.command == "evaluate":
            print(f"intent macro F1: {macro_f1(evaluate_nlu(args.project)):.3f}")
        else:
            with up(args.project) as servers:
                print(f"Rasa: {servers.rasa_url}  actions: {servers.actions_url}  (Ctrl-C stops both)")
                while all(p.poll() is None for p in servers.processes):
                    time.sleep(1)
    except RasaRuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
