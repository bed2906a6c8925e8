"""Real MLflow components for the MLflow tests, on 127.0.0.1 only: the virtualenvs of
scripts/mlflow-envs, `mlflow server` of a given environment (optionally over TLS with a certificate
made here, and with MLflow's basic-auth app), and a small REST client that speaks to it as a trial
would. Every wait is bounded."""
import base64
import datetime
import ipaddress
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENVS = {
    "mlflow2": REPO / ".venv-mlflow2",  # the newest mlflow 2.x
    "mlflow3": REPO / ".venv-mlflow3",  # the newest mlflow 3.x
    "skinny": REPO / ".venv-mlflow-skinny",  # mlflow-skinny (no SQLAlchemy, no server) + scikit-learn
}


def ensure_envs(*names: str) -> dict:
    """Makes the named environments (scripts/mlflow-envs; reused once made) and returns their interpreters."""
    folders = [ENVS[name].name for name in names]
    subprocess.run([str(REPO / "scripts" / "mlflow-envs"), *folders], check=True, timeout=3000)
    return {name: str(ENVS[name] / "bin" / "python") for name in names}


def env_version(name: str) -> str:
    python = ENVS[name] / "bin" / "python"
    return subprocess.run([str(python), "-c", "import importlib.metadata as m\nfor d in ('mlflow', 'mlflow-skinny'):\n"
                           "    try: print(m.version(d)); break\n    except Exception: pass"],
                          capture_output=True, text=True, timeout=60, check=True).stdout.strip()


def free_port() -> int:
    """A port free right now. Servers started on it retry with another if it is taken before they bind."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(folder: Path) -> dict:
    """A CA and a server certificate for 127.0.0.1 signed by it (PEM files), made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SweepKit test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                          x509.DNSName("localhost")]), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    files = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return {name: str(path) for name, path in files.items()}


class MLflowServer:
    """`mlflow server` from one of the environments, on a SQLite store in `folder`."""

    def __init__(self, env: str, folder: Path, *, tls: bool = False, auth: bool = False):
        self.env = env
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.store = f"sqlite:///{self.folder}/server.db"
        self.version = env_version(env)
        self.certificate = make_certificate(self.folder / "tls") if tls else None
        self.credentials = None
        self.environment = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        if auth:
            password = "pw-" + base64.b32encode(os.urandom(10)).decode().lower()
            self.credentials = ("sweeper", password)
            config = self.folder / "basic_auth.ini"
            config.write_text("[mlflow]\ndefault_permission = READ\n"
                              f"database_uri = sqlite:///{self.folder}/basic_auth.db\n"
                              f"admin_username = {self.credentials[0]}\nadmin_password = {password}\n"
                              "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
            self.environment["MLFLOW_AUTH_CONFIG_PATH"] = str(config)
            # The basic-auth app's CSRF protection wants a fixed key.
            self.environment["MLFLOW_FLASK_SERVER_SECRET_KEY"] = base64.b32encode(os.urandom(20)).decode()
        self.port = None
        self.process = None
        self.log_path = self.folder / "server.log"

    @property
    def uri(self) -> str:
        return f"{'https' if self.certificate else 'http'}://127.0.0.1:{self.port}"

    def client_environment(self) -> dict:
        """What a trial (or the engine) needs to reach this server, as MLflow's client reads it."""
        environment = {"MLFLOW_TRACKING_URI": self.uri}
        if self.certificate:
            environment["MLFLOW_TRACKING_SERVER_CERT_PATH"] = self.certificate["ca"]
        if self.credentials:
            environment["MLFLOW_TRACKING_USERNAME"], environment["MLFLOW_TRACKING_PASSWORD"] = self.credentials
        return environment

    def _command(self) -> list:
        command = [str(ENVS[self.env] / "bin" / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", "1", "--backend-store-uri", self.store,
                   "--default-artifact-root", str(self.folder / "artifacts")]
        if self.credentials:
            command += ["--app-name", "basic-auth"]
        if self.certificate:
            if self.version.startswith("2."):  # gunicorn
                command += ["--gunicorn-opts", f"--certfile {self.certificate['cert']} --keyfile {self.certificate['key']}"]
            else:  # uvicorn
                command += ["--uvicorn-opts", f"--ssl-certfile {self.certificate['cert']} --ssl-keyfile {self.certificate['key']}"]
        return command

    def start(self, *, same_port: bool = False, timeout: float = 360.0) -> "MLflowServer":
        """Starts the server and waits until it answers. A port taken before the server bound it
        is retried (a new free port, or the same one a little later with `same_port`)."""
        deadline = time.monotonic() + timeout
        for attempt in range(8):
            if not same_port or self.port is None:
                self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(self._command(), cwd=self.folder, env=self.environment, stdin=subprocess.DEVNULL,
                                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            outcome = self._wait_healthy(deadline)
            if outcome == "up":
                return self
            self.kill()
            if outcome != "port taken" or time.monotonic() > deadline:
                raise AssertionError(f"mlflow server ({self.env} {self.version}) did not come up: {outcome}\n{self.log_tail()}")
            time.sleep(1)
        raise AssertionError(f"mlflow server could not bind a port:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _wait_healthy(self, deadline: float) -> str:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                taken = re.search(r"Address already in use|Errno 98|address already in use", self.log_tail(200))
                return "port taken" if taken else f"exited with {self.process.returncode}"
            try:
                self.request("/health", raw=True, timeout=3)
                return "up"
            except (OSError, urllib.error.URLError, ssl.SSLError):
                time.sleep(0.5)
        return "timed out"

    def kill(self) -> None:
        """SIGKILL to the server's process group (its workers too): a crash, not a shutdown."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    # A client of the server's REST API (as a trial's MLflow would be).
    def request(self, path: str, body=None, *, raw: bool = False, timeout: float = 60.0):
        headers = {"Content-Type": "application/json"}
        if self.credentials:
            token = base64.b64encode(":".join(self.credentials).encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        data = None if body is None else json.dumps(body).encode()
        context = ssl.create_default_context(cafile=self.certificate["ca"]) if self.certificate else None
        request = urllib.request.Request(self.uri + path, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            text = response.read()
        return text if raw else json.loads(text)

    def experiment(self, name: str) -> dict:
        return self.request(f"/api/2.0/mlflow/experiments/get-by-name?experiment_name={name}")["experiment"]

    def runs(self, experiment_id: str) -> list:
        return self.request("/api/2.0/mlflow/runs/search", {"experiment_ids": [experiment_id], "max_results": 1000})["runs"]

    def history(self, run_id: str, key: str) -> list:
        return self.request(f"/api/2.0/mlflow/metrics/get-history?run_id={run_id}&metric_key={key}")["metrics"]


def tags_of(entity: dict) -> dict:
    return {t["key"]: t["value"] for t in entity.get("tags", entity.get("data", {}).get("tags", []))}


def parent_and_children(runs: list):
    parents = [r for r in runs if "mlflow.parentRunId" not in tags_of(r["data"])]
    children = [r for r in runs if "mlflow.parentRunId" in tags_of(r["data"])]
    return parents, children


def files_containing(folder: Path, secrets) -> list:
    """Files under `folder` in which any of `secrets` appears (as text, or base64 of user:password)."""
    found = []
    for path in Path(folder).rglob("*"):
        if path.is_file():
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if any(secret.encode() in data for secret in secrets):
                found.append(str(path))
    return found


def command_lines_containing(secrets) -> list:
    """Command lines of this machine's processes (what `ps` shows) that contain any of `secrets`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    line = f.read()
            except OSError:
                continue
            if any(secret.encode() in line for secret in secrets):
                found.append(line.replace(b"\0", b" ").decode(errors="replace"))
    return found


class FlakyGateway:
    """A gateway in front of an MLflow server, as teams put one (an API gateway or a reverse proxy
    that wants a bearer token and rate-limits): every request must carry `Authorization: Bearer
    <token>` (else 401), and of the engine's requests (User-Agent `sweepkit`) every `every`-th is
    answered 429 with `Retry-After: 1` or 503, alternately, instead of being forwarded, and so are
    its first `busy_first` requests (a gateway still warming up). Trials' requests (MLflow's own
    client) are forwarded untouched. On 127.0.0.1, plain HTTP."""

    def __init__(self, upstream: MLflowServer, *, every: int = 3, busy_first: int = 0):
        import http.server
        import threading

        self.token = "tok-" + base64.b32encode(os.urandom(15)).decode().lower()
        self.upstream, self.every, self.busy_first = upstream, every, busy_first
        self.lock = threading.Lock()
        self.engine_requests = 0
        self.refused = {"401": 0, "429": 0, "503": 0}
        self.authorization_seen = set()
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as MLflow's server answers

            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes, headers=()):
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                authorization = self.headers.get("Authorization", "")
                with gateway.lock:
                    gateway.authorization_seen.add(authorization.split(" ")[0])
                if authorization != f"Bearer {gateway.token}":
                    with gateway.lock:
                        gateway.refused["401"] += 1
                    return self._answer(401, b'{"error_code": "UNAUTHENTICATED"}')
                if self.headers.get("User-Agent", "").startswith("sweepkit"):
                    with gateway.lock:
                        gateway.engine_requests += 1
                        fault = (gateway.engine_requests % gateway.every == 0
                                 or gateway.engine_requests <= gateway.busy_first)
                        kind = "429" if (gateway.engine_requests // gateway.every) % 2 else "503"
                        if fault:
                            gateway.refused[kind] += 1
                    if fault and kind == "429":
                        return self._answer(429, b'{"error_code": "RESOURCE_EXHAUSTED"}', [("Retry-After", "1")])
                    if fault:
                        return self._answer(503, b"upstream unavailable")
                forward = urllib.request.Request(gateway.upstream.uri + self.path, data=body if body else None,
                                                 method=self.command,
                                                 headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
                try:
                    with urllib.request.urlopen(forward, timeout=60) as response:
                        status, payload = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                self._answer(status, payload, [("Content-Type", "application/json")])

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FlakyGateway":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
