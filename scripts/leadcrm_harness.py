"""What the Python test scripts (scripts/crash-suite, scripts/hostile-inputs) share: the real leadcrm binary started
on a throwaway database, the databases it can run on (a fresh SQLite file, or a fresh PostgreSQL schema dropped
afterwards), and the small runner conventions (which backends run, interrupts that unwind into finally blocks).

Python 3 standard library only; the scripts import it with `sys.dont_write_bytecode` set, so no __pycache__ is left
in scripts/.
"""

import contextlib
import glob
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
DEFAULT_BINARY = ROOT / ".build/debug/leadcrm"
POSTGRES_URL_VARIABLE = "LEADCRM_TEST_DATABASE_URL"
# Settings leadcrm reads from the environment; a script sets the ones it needs and clears the rest.
LEADCRM_SETTINGS = (
    "DATABASE_URL", "PORT", "HOST", "LOG_LEVEL", "APP_ENV", "NODE_ENV", "MAX_BODY_BYTES", "CORS_ORIGINS",
    "DATABASE_TIMEOUT_MS", "MIGRATE_ON_START", "TRUSTED_PROXIES", "BODY_TIMEOUT_MS", "IDLE_TIMEOUT_S",
    "SPOOL_DIR", "SPOOL_MAX_BYTES", "LEAD_STATUSES", "INTAKE_AUTH",
)
# URL parameters libpq understands; leadcrm's own (schema, connection_limit, ...) must not reach psql.
LIBPQ_PARAMETERS = {"sslmode", "connect_timeout", "host", "port", "user", "password", "dbname", "application_name"}


class ScenarioFailed(Exception):
    """A check failed: `summary` for the result line, `details` lines below it."""

    def __init__(self, summary, details=()):
        super().__init__(summary)
        self.summary = summary
        self.details = list(details)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def random_suffix():
    return "%08x" % random.getrandbits(32)


def sql_text(value):
    """`value` as an SQL string literal (both backends)."""
    return "'" + value.replace("'", "''") + "'"


def postgres_bin(name):
    """A PostgreSQL program: from the newest /usr/lib/postgresql/*/bin, else from PATH."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return candidates[-1]
    found = shutil.which(name)
    if not found:
        raise ScenarioFailed(f"{name} not found (install PostgreSQL)")
    return found


def as_postgres(argv):
    """The PostgreSQL server refuses to run as root, so as root its commands run as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


# --- databases --------------------------------------------------------------------------------------------------


class SQLiteDatabase:
    def __init__(self, directory):
        self.path = Path(directory) / "leadcrm.sqlite"
        self.url = f"sqlite:{self.path}"

    def query(self, sql):
        """Rows as tuples of text ('' for NULL)."""
        connection = sqlite3.connect(str(self.path), timeout=10)
        try:
            return [tuple("" if v is None else str(v) for v in row) for row in connection.execute(sql)]
        finally:
            connection.close()

    @staticmethod
    def hex_of(column):
        """SQL for a blob column as lowercase hex."""
        return f'lower(hex("{column}"))'


class PostgresDatabase:
    def __init__(self, url, schema=None):
        self.schema = schema
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        psql_query = [(k, v) for k, v in query if k.lower() in LIBPQ_PARAMETERS]
        self.psql_url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(psql_query)))
        if schema:
            leadcrm_query = [(k, v) for k, v in query if k.lower() != "schema"] + [("schema", schema)]
            self.url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(leadcrm_query)))
        else:
            self.url = url

    def query(self, sql, timeout=30):
        """Rows as tuples of text ('' for NULL)."""
        if self.schema:
            sql = f'SET search_path TO "{self.schema}"; {sql}'
        argv = [shutil.which("psql") or postgres_bin("psql"), "-X", "-q", "-At", "-F", "\x1f",
                "-v", "ON_ERROR_STOP=1", "-d", self.psql_url, "-c", sql]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise ScenarioFailed(f"psql failed: {done.stderr.strip()}")
        return [tuple(line.split("\x1f")) for line in done.stdout.splitlines()]

    @staticmethod
    def hex_of(column):
        """SQL for a bytea column as lowercase hex."""
        return f"encode(\"{column}\", 'hex')"

    def drop_schema(self):
        if self.schema:
            self.schema, schema = None, self.schema
            self.query(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextlib.contextmanager
def fresh_database(backend, workdir, schema_prefix="crash"):
    """A database nothing else has touched: a new SQLite file, or a new schema `<schema_prefix>_<hex>` of
    LEADCRM_TEST_DATABASE_URL, dropped afterwards."""
    if backend == "sqlite":
        yield SQLiteDatabase(tempfile.mkdtemp(prefix="sqlite-", dir=workdir))
        return
    database = PostgresDatabase(os.environ[POSTGRES_URL_VARIABLE], schema=f"{schema_prefix}_{random_suffix()}")
    try:
        yield database
    finally:
        with contextlib.suppress(Exception):
            database.drop_schema()


class PrivatePostgres:
    """A throwaway PostgreSQL server (scripts/postgres) that a scenario may stop, restart, or freeze."""

    frozen = ()  # pids stopped by freeze(), continued by thaw()

    def __init__(self, prefix="leadcrm-crash-pg-"):
        # Its own directory right under /tmp, so the postgres user can reach it (scripts/postgres chowns it).
        self.dir = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
        self.port = free_port()
        self.url = None

    @property
    def data(self):
        """The data directory (scripts/postgres makes it DIR/data)."""
        return f"{self.dir}/data"

    def start(self):
        """Starts it (creating it the first time) and returns its URL once it accepts connections."""
        done = subprocess.run([str(SCRIPTS / "postgres"), "start", self.dir, str(self.port)],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise ScenarioFailed("scripts/postgres start failed", done.stderr.strip().splitlines()[-10:])
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    def stop_immediately(self):
        """Like a crash (`pg_ctl stop -m immediate`): no checkpoint, connections dropped; committed work survives."""
        subprocess.run(as_postgres([postgres_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop"]),
                       cwd="/tmp", capture_output=True, text=True, timeout=60, check=True)

    def postmaster_pid(self):
        """The running postmaster's pid (the first line of DATA/postmaster.pid)."""
        return int(Path(self.data, "postmaster.pid").read_text().split("\n", 1)[0])

    def freeze(self):
        """SIGSTOP the postmaster, then every process it forked (it cannot fork more once stopped): the server
        accepts TCP connections (the kernel does) but answers nothing. Returns how many processes were stopped."""
        postmaster = self.postmaster_pid()
        os.kill(postmaster, signal.SIGSTOP)
        self.frozen = [postmaster]
        children = subprocess.run(["ps", "--ppid", str(postmaster), "-o", "pid="], capture_output=True, text=True)
        for pid in (int(word) for word in children.stdout.split()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
                self.frozen.append(pid)
        return len(self.frozen)

    def thaw(self):
        """SIGCONT what freeze() stopped (children first); nothing to do when nothing is frozen."""
        frozen, self.frozen = self.frozen, ()
        for pid in reversed(frozen):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def close(self):
        with contextlib.suppress(Exception):
            self.thaw()  # a frozen server would not stop
        with contextlib.suppress(Exception):
            subprocess.run([str(SCRIPTS / "postgres"), "stop", self.dir], capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_postgres():
    """(PrivatePostgres, PostgresDatabase on it): a server of the caller's own, removed afterwards."""
    postgres = PrivatePostgres()
    try:
        yield postgres, PostgresDatabase(postgres.start())
    finally:
        postgres.close()


# --- the server under test --------------------------------------------------------------------------------------


class Server:
    """One leadcrm serve process on 127.0.0.1 (restartable on the same port and database).

    `env` holds settings for it (LOG_LEVEL defaults to info); every other leadcrm setting is cleared, so the
    caller's environment and any .env file cannot change what is tested. Its output goes to `<workdir>/<name>.log`.
    It runs in a directory of its own under `workdir`, and its SPOOL_DIR (unless `env` names one) is `spool` there:
    no two servers share a journal, and a restart of this one finds the journal its previous process left."""

    def __init__(self, binary, database_url, workdir, name, env=None, started_by="crash-suite"):
        self.binary = binary
        self.database_url = database_url
        self.workdir = workdir
        self.dir = tempfile.mkdtemp(prefix=f"{name}-", dir=workdir)
        self.env = {"LOG_LEVEL": "info", "SPOOL_DIR": str(Path(self.dir) / "spool"), **(env or {})}
        self.spool_dir = self.env["SPOOL_DIR"]
        self.started_by = started_by
        self.port = free_port()
        self.log_path = Path(workdir) / f"{name}.log"
        self.process = None

    def start(self, healthy_within=60):
        env = {k: v for k, v in os.environ.items() if k not in LEADCRM_SETTINGS}
        env.update(self.env)
        env.update(DATABASE_URL=self.database_url, PORT=str(self.port), HOST="127.0.0.1")
        with open(self.log_path, "ab") as log:
            log.write(f"--- leadcrm serve started by {self.started_by} at {time.strftime('%H:%M:%S')}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [self.binary, "serve", "--env-file", "/nonexistent"], cwd=self.dir, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_healthy(healthy_within)

    def wait_healthy(self, within):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not self.alive():
                raise ScenarioFailed(f"leadcrm exited with status {self.process.returncode} while starting",
                                     self.log_tail())
            if get_status(self.port, "/health", timeout=2) == 200:
                return
            time.sleep(0.05)
        raise ScenarioFailed(f"/health did not answer 200 within {within} s", self.log_tail())

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def health(self, timeout=5):
        """GET /health: (status or None, the JSON object or None)."""
        return get_json(self.port, "/health", timeout)

    def signal(self, signum):
        self.process.send_signal(signum)

    def wait_exit(self, within):
        """The exit status, or None when the process is still running after `within` seconds."""
        try:
            return self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.alive():
            self.process.kill()
            self.process.wait(timeout=30)

    def log_lines(self):
        try:
            return self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []

    def log_tail(self, lines=15, grep=None):
        text = self.log_lines()
        if not text:
            return ["(no log)"]
        if grep:
            text = [line for line in text if any(word in line for word in grep)]
        return [f"log: {line}" for line in text[-lines:]]


@contextlib.contextmanager
def running_server(binary, database, workdir, name, env=None, started_by="crash-suite"):
    server = Server(binary, database.url, workdir, name, env=env, started_by=started_by)
    try:
        server.start()
        yield server
    finally:
        server.kill()


def get_status(port, path, timeout):
    """The status of GET `path` on 127.0.0.1:`port`, or None when there was no answer."""
    return get_json(port, path, timeout)[0]


def get_json(port, path, timeout):
    """GET `path` on 127.0.0.1:`port`: (status, the JSON body or None), or (None, None) when there was no answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return None, None
    finally:
        connection.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, None


# --- runner conventions -----------------------------------------------------------------------------------------


def is_executable_file(path):
    """Whether `path` is a file we may run (`os.access(X_OK)` alone is true for a directory too)."""
    return os.path.isfile(path) and os.access(path, os.X_OK)


def executable_or_exit(path, program):
    """The absolute path of the leadcrm binary to test; exits 2 with a one-line hint when there is none."""
    binary = os.path.abspath(path)
    if not is_executable_file(binary):
        print(f"{program}: no leadcrm executable at {binary} (swift build --product leadcrm)", file=sys.stderr)
        sys.exit(2)
    return binary


def unwind_on_interrupt():
    """Ctrl-C and SIGTERM raise KeyboardInterrupt, so every finally block cleans up (also when SIGINT came in
    ignored, as it does for background jobs)."""

    def interrupted(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)


def backends():
    """SQLite always; PostgreSQL when LEADCRM_TEST_DATABASE_URL is set (else a SKIP line says why not)."""
    found = ["sqlite"]
    if os.environ.get(POSTGRES_URL_VARIABLE):
        found.append("postgresql")
    else:
        print(f"SKIP postgresql: {POSTGRES_URL_VARIABLE} is not set", flush=True)
    return found
