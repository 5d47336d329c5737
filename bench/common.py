"""What bench/bench.py (request path) and bench/scale.py (configuration load)
share: paths, logging, the module snapshot, loopback ports, nginx prefixes,
key files and the description of the machine.

Keys are generated in-process with Debian's python3-cryptography (`make deps`
installs it): the scale run writes tens of thousands of key files, which one
openssl process per key would take minutes to write.
"""

import datetime
import hashlib
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time

try:  # Debian's python3-cryptography; missing, it is reported when keys are made
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:
    x509 = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NGINX = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")
MODULE_SRC = os.environ.get("MODULE", os.path.join(ROOT, "build", "ngx_http_wellknown_module.so"))
MODULE_NAME = "ngx_http_wellknown_module.so"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
T_START = time.time()
TAG = os.path.splitext(os.path.basename(sys.argv[0]))[0] or "bench"


def log(msg):
    print(f"[{TAG} {time.time() - T_START:6.1f}s] {msg}", file=sys.stderr, flush=True)


def die(msg):
    log("ERROR: " + msg)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def snapshot_module(out):
    """Copies the module into OUT once, at the start of a run, so that a
    concurrent rebuild cannot change it mid-run; waits (about five minutes
    at most) while it is missing, being written, or changes during the copy."""
    dst = os.path.join(out, MODULE_NAME)
    for attempt in range(30):
        try:
            st = os.stat(MODULE_SRC)
        except FileNotFoundError:
            log(f"{MODULE_SRC} missing (a rebuild?); waiting 10 s [{attempt + 1}/30]")
            time.sleep(10)
            continue
        if time.time() - st.st_mtime < 3:  # the linker may still be writing it
            time.sleep(3)
            continue
        shutil.copy2(MODULE_SRC, dst + ".tmp")
        st2 = os.stat(MODULE_SRC)
        if (st2.st_mtime, st2.st_size) != (st.st_mtime, st.st_size):
            continue
        os.replace(dst + ".tmp", dst)
        with open(dst, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        return dst, {"path": MODULE_SRC, "sha256": digest, "size": st.st_size,
                     "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(st.st_mtime))}
    die(f"could not get a stable copy of {MODULE_SRC}")


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (all bound at once, then released)."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    ngx = run([NGINX, "-V"]).stderr
    ver = (re.search(r"nginx version: (\S+)", ngx) or [None, "?"])[1]
    built = (re.search(r"built with (OpenSSL [^\n(]+)", ngx) or [None, "?"])[1].strip()
    ossl = run(["openssl", "version"]).stdout.strip() if shutil.which("openssl") else "?"
    vg = run(["valgrind", "--version"]).stdout.strip() if shutil.which("valgrind") else "absent"
    wrk = "absent"
    if shutil.which("wrk"):
        w = run(["wrk", "--version"])
        wrk = ((w.stdout + w.stderr).split("[")[0]).strip()
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kb / 1048576, 1),
            "kernel": platform.release(), "nginx": ver, "nginx_built_with": built,
            "openssl": ossl, "valgrind": vg, "wrk": wrk, "loadavg": load}


def report_head(title, mach, mod):
    """The first lines of a results.txt: what was measured, when, where."""
    return [f"ngx_http_wellknown_module {title}",
            f"date      {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
            f"machine   nproc={mach['nproc']}  cpu={mach['cpu']}  ram={mach['ram_gib']} GiB  "
            f"kernel={mach['kernel']}  loadavg at start {' '.join(mach['loadavg'])}",
            f"software  nginx {mach['nginx']} (built with {mach['nginx_built_with']}), "
            f"{mach['openssl']}, {mach['valgrind']}, {mach['wrk']}",
            f"module    {mod['path']}  sha256={mod['sha256'][:16]}  mtime={mod['mtime']}"]


# ------------------------------------------------------------------ nginx prefixes

def new_prefix(path, *dirs):
    """An empty nginx prefix at PATH with logs/, tmp/ and DIRS; 0755, since
    workers run as nobody when nginx is started as root."""
    if os.path.isdir(path):
        shutil.rmtree(path)
    for d in ("logs", "tmp", *dirs):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    os.chmod(path, 0o755)
    return path


def temp_path_lines(prefix, indent="    "):
    """The five *_temp_path directives under PREFIX/tmp: without them nginx
    writes to Debian's /var/lib/nginx."""
    return "\n".join(f"{indent}{t}_temp_path {prefix}/tmp/{t};" for t in TEMP_PATHS)


def write_conf(prefix, text):
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode())
    return path


def nginx_cmd(prefix, *args):
    return [NGINX, "-p", prefix + "/", "-c", os.path.join(prefix, "nginx.conf"), *args]


# ------------------------------------------------------------------ keys

def _crypto():
    if x509 is None:
        die("python3-cryptography is missing (make deps installs it)")


def new_key(kind):
    """A fresh private key: "rsa2048" or "p256"."""
    _crypto()
    if kind == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(kind)


def key_pem(key, fmt="pkcs8"):
    """KEY as PEM: pkcs8 "PRIVATE KEY", sec1 ("EC PRIVATE KEY"; "RSA PRIVATE
    KEY" for RSA: the traditional form) or spki "PUBLIC KEY"."""
    if fmt == "spki":
        return key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    form = serialization.PrivateFormat.PKCS8 if fmt == "pkcs8" else \
        serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption())


def load_key(path):
    _crypto()
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def self_signed_pem(key, cn, days=3650):
    """A self-signed CA certificate for KEY, with the extensions `openssl req
    -x509` gives by default (subject and authority key identifiers, CA:true)."""
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(ski, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def write_pem(path, data, mode=0o644):
    """Writes PATH whole or not at all (a run stopped midway leaves no
    half file for the next run to reuse); 0644 by default: workers may run
    as nobody."""
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.chmod(path + ".tmp", mode)
    os.replace(path + ".tmp", path)
