#!/usr/bin/python3
"""Config-load scale measurement for ngx_http_wellknown_module.

Run it through bench/scale.sh; the header comment there documents usage and
the exact configuration scheme. Only Debian's python3 and python3-cryptography.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "scale")
KEYS = os.path.join(OUT, "keys")  # PKCS#8 originals; other formats in keys-<format>
KEY_FORMATS = ("pkcs8", "sec1", "spki")
NGINX = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")
MODULE_SRC = os.environ.get("MODULE", os.path.join(ROOT, "build", "ngx_http_wellknown_module.so"))
MODULE_NAME = "ngx_http_wellknown_module.so"
TIME = "/usr/bin/time"
HOST = "https://id.example.com"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ setup

def ensure_time():
    if os.access(TIME, os.X_OK):
        return
    log("/usr/bin/time is missing; checking the time package")
    have = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "time"],
                          capture_output=True, text=True)
    if "install ok installed" not in have.stdout:
        if os.geteuid() != 0:
            sys.exit("install the `time` package (apt-get install time) and rerun")
        subprocess.run(["apt-get", "install", "-y", "time"], check=True)
    if not os.access(TIME, os.X_OK):
        sys.exit("/usr/bin/time still missing")


def snapshot_module():
    """Copies the module once; waits (bounded) if it is missing or being rewritten."""
    dst = os.path.join(OUT, MODULE_NAME)
    for attempt in range(20):
        try:
            st = os.stat(MODULE_SRC)
        except FileNotFoundError:
            log(f"{MODULE_SRC} missing (a rebuild?); waiting 30 s [{attempt + 1}/20]")
            time.sleep(30)
            continue
        age = time.time() - st.st_mtime
        if age < 5:  # the linker may still be writing it
            time.sleep(5)
            continue
        tmp = dst + ".tmp"
        shutil.copy2(MODULE_SRC, tmp)
        st2 = os.stat(MODULE_SRC)
        if (st2.st_mtime, st2.st_size) != (st.st_mtime, st.st_size):
            continue  # changed while copying
        os.replace(tmp, dst)
        with open(dst, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        return dst, {"path": MODULE_SRC, "sha256": digest, "size": st.st_size,
                     "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(st.st_mtime))}
    sys.exit(f"could not get a stable copy of {MODULE_SRC}")


def key_dir(fmt):
    return KEYS if fmt == "pkcs8" else f"{KEYS}-{fmt}"


def ensure_keys(n_own, fmt):
    """own-00000-a/b .. own-{n_own-1}-a/b and shared-a/b, EC P-256, cached.

    The PKCS#8 files in build/scale/keys are the keys; sec1 ("EC PRIVATE KEY")
    and spki ("PUBLIC KEY") are the same keys re-encoded into keys-<format>."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    os.makedirs(KEYS, exist_ok=True)
    names = ["shared-a.pem", "shared-b.pem"]
    for i in range(n_own):
        names += [f"own-{i:05d}-a.pem", f"own-{i:05d}-b.pem"]
    made = 0
    for name in names:
        path = os.path.join(KEYS, name)
        if os.path.exists(path):
            continue
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(pem)
        os.replace(tmp, path)
        made += 1
    if made:
        log(f"generated {made} EC P-256 keys in {KEYS}")
    if fmt == "pkcs8":
        return
    os.makedirs(key_dir(fmt), exist_ok=True)
    made = 0
    for name in names:
        path = os.path.join(key_dir(fmt), name)
        if os.path.exists(path):
            continue
        with open(os.path.join(KEYS, name), "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
        if fmt == "sec1":
            pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
        else:
            pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
        with open(path + ".tmp", "wb") as f:
            f.write(pem)
        os.replace(path + ".tmp", path)
        made += 1
    if made:
        log(f"wrote {made} {fmt} copies in {key_dir(fmt)}")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------------ config

def tenant(i, n):
    return f"tenant{i:0{max(4, len(str(n - 1)))}d}"


def write_prefix(name, module, n, issuers, fmt):
    """Writes build/scale/<name>/ for n issuers; issuers=False writes only the key sets."""
    prefix = os.path.join(OUT, name)
    for d in ("logs", "tmp", "modules"):
        os.makedirs(os.path.join(prefix, d), exist_ok=True)
    os.chmod(prefix, 0o755)
    shutil.copy2(module, os.path.join(prefix, "modules", MODULE_NAME))
    for f in ("logs/error.log", "logs/access.log", "logs/nginx.pid"):
        try:
            os.unlink(os.path.join(prefix, f))
        except FileNotFoundError:
            pass
    port = free_port()
    n_own = n // 2
    kd = key_dir(fmt)
    out = []
    w = out.append
    w(f"# generated by bench/scale.sh: {n} issuers" + ("" if issuers else " (key sets only, no issuer)")
      + f", {fmt} key files")
    w(f"load_module modules/{MODULE_NAME};")
    w("pid logs/nginx.pid;")
    w("error_log logs/error.log warn;")
    w("worker_processes 1;")
    w("events { worker_connections 256; }")
    w("http {")
    w("    access_log logs/access.log;")
    for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        w(f"    {t}_temp_path tmp/{t};")
    if n > 0:
        w("    wellknown_keys shared {")
        w(f"        key {kd}/shared-a.pem;")
        w(f"        key {kd}/shared-b.pem;")
        w("    }")
        for i in range(n_own):
            w(f"    wellknown_keys t{i:05d} {{")
            w(f"        key {kd}/own-{i:05d}-a.pem;")
            w(f"        key {kd}/own-{i:05d}-b.pem;")
            w("    }")
    w("    server {")
    w(f"        listen 127.0.0.1:{port};")
    w("        server_name id.example.com;")
    if issuers:
        for i in range(n):
            iss = f"{HOST}/{tenant(i, n)}"
            keyset = f"t{i:05d}" if i < n_own else "shared"
            w(f"        wellknown_issuer {iss} {{")
            w(f"            keys {keyset};")
            w("            documents openid-configuration oauth-authorization-server;")
            w(f"            authorization_endpoint {iss}/authorize;")
            w(f"            token_endpoint {iss}/token;")
            w("            response_types_supported code;")
            w("            subject_types_supported public;")
            w("        }")
    w("        location / { return 404; }")
    w("    }")
    w("}")
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write("\n".join(out) + "\n")
    return prefix, port


# ------------------------------------------------------------------ measure

def nginx_cmd(prefix, *args):
    return [NGINX, "-p", prefix + "/", "-c", os.path.join(prefix, "nginx.conf"), *args]


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def nginx_t(prefix):
    """One timed `nginx -t` under /usr/bin/time -v: (wall s, max RSS kB, cpu s, stderr)."""
    cmd = [TIME, "-v", *nginx_cmd(prefix, "-t")]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"nginx -t failed for {prefix}:\n{p.stderr[-4000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", p.stderr))
    return wall, int(m.group(1)), cpu, p.stderr


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                fields[k] = int(v.split()[0])
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(("Pss:", "Private_Dirty:")):
                    k, v = line.split(":")
                    fields[k] = int(v.split()[0])
    except OSError:
        pass
    return fields


def children(ppid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        if int(rest[1]) == ppid:
            kids.append(int(d))
    return sorted(kids)


def read_pid(prefix):
    try:
        with open(os.path.join(prefix, "logs", "nginx.pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def curl(port, path):
    p = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10",
                        f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


def stop(prefix, master):
    subprocess.run(nginx_cmd(prefix, "-s", "stop"), capture_output=True, timeout=600)
    for _ in range(300):
        if not master or not alive(master):
            return
        time.sleep(0.1)
    log(f"nginx -s stop did not stop {master}; sending SIGTERM to that pid")
    os.kill(master, signal.SIGTERM)
    for _ in range(100):
        if not alive(master):
            return
        time.sleep(0.1)


def run_server(prefix, port, n, issuers):
    """Starts nginx, reads RSS, proves serving, stops it."""
    res = {}
    t0 = time.perf_counter()
    p = subprocess.run(nginx_cmd(prefix), capture_output=True, text=True, timeout=600)
    res["start_s"] = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"nginx failed to start in {prefix}:\n{p.stderr[-4000:]}")
    master = None
    try:
        for _ in range(200):  # up to 20 s for pid file, worker and listener
            master = master or read_pid(prefix)
            if master and children(master):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    pass
            time.sleep(0.1)
        else:
            sys.exit(f"nginx in {prefix} did not come up")
        workers = children(master)
        time.sleep(0.5)  # let the worker finish its init (e.g. init_process hooks)
        res["master"] = proc_status(master)
        res["worker"] = proc_status(workers[0])
        res["workers"] = len(workers)
        checks = []
        if issuers and n > 0:
            own, shared = tenant(0, n), tenant(n - 1, n)
            for path, want, iss in ((f"/{own}/.well-known/openid-configuration", 200, own),
                                    (f"/.well-known/oauth-authorization-server/{shared}", 200, shared),
                                    ("/.well-known/openid-configuration/tenant-unknown", 404, None)):
                code, body = curl(port, path)
                ok = code == want
                if iss:
                    iss = f"{HOST}/{iss}"
                    try:
                        ok = ok and json.loads(body).get("issuer") == iss
                    except ValueError:
                        ok = False
                else:  # the module's JSON 404, not the server's location
                    ok = ok and '"not_found"' in body
                checks.append({"path": path, "status": code, "want": want, "ok": ok})
        else:
            code, _ = curl(port, "/.well-known/openid-configuration/tenant-unknown")
            checks.append({"path": "/.well-known/openid-configuration/tenant-unknown",
                           "status": code, "want": 404, "ok": code == 404})
        res["checks"] = checks
        res["worker_after_requests"] = proc_status(workers[0])
    finally:
        if master:
            stop(prefix, master)
    bad = [c for c in res["checks"] if not c["ok"]]
    if bad:
        sys.exit(f"serving check failed in {prefix}: {bad}")
    return res


def measure(name, module, n, issuers, runs, fmt):
    prefix, port = write_prefix(name, module, n, issuers, fmt)
    log(f"[{name}] nginx -t x{runs} ...")
    walls, rsss, cpus, loads = [], [], [], []
    warnings = 0
    for _ in range(runs):
        loads.append(loadavg())
        wall, rss, cpu, err = nginx_t(prefix)
        walls.append(wall)
        rsss.append(rss)
        cpus.append(cpu)
        warnings = err.count("[warn]")
    res = {"name": name, "n": n, "issuers": issuers, "prefix": prefix, "key_format": fmt,
           "t_walls": walls, "t_wall": statistics.median(walls), "t_cpus": cpus,
           "t_cpu": statistics.median(cpus), "loadavg": loads,
           "t_maxrss_kb": statistics.median(rsss), "t_warnings": warnings}
    if issuers or n == 0:
        log(f"[{name}] start, RSS, curl, stop ...")
        res.update(run_server(prefix, port, n, issuers))
    return res


# ------------------------------------------------------------------ profiles

# Module functions whose inclusive cost splits the load: key sets vs issuers.
SPLIT = (("key sets (wellknown_keys)", "(anonymous namespace)::wellknown_keys"),
         ("  of which key file -> public key (load_key_file)", "wellknown::load_key_file"),
         ("  of which private -> public re-encode (public_half)",
          "wellknown::(anonymous namespace)::public_half"),
         ("  of which JWK building (make_jwk)", "wellknown::make_jwk"),
         ("issuer blocks (wellknown_issuer)", "(anonymous namespace)::wellknown_issuer"),
         ("issuer documents and routes (merge_srv_conf)", "(anonymous namespace)::merge_srv_conf"))


def split_of(entries):
    found = dict(entries)
    return [(label, found[name]) for label, name in SPLIT if name in found]


MODULE_RE = re.escape(MODULE_NAME)


def strip_args(sig):
    """'ns::f(int, char*) const' -> 'ns::f' (the last balanced (...) and what follows)."""
    end = sig.rfind(")")
    depth = 0
    for i in range(end, -1, -1):
        if sig[i] == ")":
            depth += 1
        elif sig[i] == "(":
            depth -= 1
            if depth == 0:
                return sig[:i]
    return sig


def callgrind(prefix, top=5):
    """valgrind --tool=callgrind on one `nginx -t`; the module's top inclusive functions."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return {"error": "valgrind not installed"}
    out = os.path.join(OUT, "callgrind.out")
    log(f"callgrind on {prefix} (about a minute per 1000 issuers) ...")
    t0 = time.perf_counter()
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        *nginx_cmd(prefix, "-t")], capture_output=True, text=True, timeout=3600)
    took = time.perf_counter() - t0
    if p.returncode != 0:
        return {"error": p.stderr[-2000:]}
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99.9", out],
                         capture_output=True, text=True).stdout
    with open(os.path.join(OUT, "callgrind-inclusive.txt"), "w") as f:
        f.write(ann)
    mod, lib = [], []
    line_re = re.compile(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)\s+\[([^\]]+)\]\s*$")
    for line in ann.splitlines():
        m = line_re.match(line)
        if not m:
            continue
        pct, where, obj = float(m.group(2)), m.group(3), m.group(4)
        name = strip_args(where.split(":", 1)[1] if ":" in where.split("(")[0] else where)
        if obj.endswith(MODULE_NAME):
            target = mod
        elif "libcrypto" in obj and not name.startswith("0x"):
            target = lib
        else:
            continue
        if name not in [n for n, _ in target]:
            target.append((name, pct))
    return {"seconds": round(took, 1), "module_top": mod[:top], "libcrypto_top": lib[:top],
            "split": split_of(mod),
            "annotate": os.path.join(OUT, "callgrind-inclusive.txt")}


def perf_profile(prefix, top=5):
    """perf record (DWARF call graphs) of one `nginx -t`; top inclusive functions."""
    if not shutil.which("perf"):
        return {"error": "perf not installed"}
    data = os.path.join(OUT, "perf.data")
    for old in (data, data + ".old"):
        if os.path.exists(old):
            os.unlink(old)
    log(f"perf record on {prefix} ...")
    p = subprocess.run(["perf", "record", "--call-graph", "dwarf,16384", "-F", "999", "-o", data,
                        "--", *nginx_cmd(prefix, "-t")], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        return {"error": p.stderr[-2000:]}
    rep = subprocess.run(["perf", "report", "-i", data, "--children", "--stdio", "-g", "none",
                          "--sort", "dso,sym", "--percent-limit", "1"],
                         capture_output=True, text=True).stdout
    with open(os.path.join(OUT, "perf-report.txt"), "w") as f:
        f.write(rep)
    mod, lib = [], []
    line_re = re.compile(r"^\s*([\d.]+)%\s+([\d.]+)%\s+(\S+)\s+\[\.\]\s+(.*?)\s*$")
    for line in rep.splitlines():
        m = line_re.match(line)
        if not m:
            continue
        pct, dso, sym = float(m.group(1)), m.group(3), m.group(4)
        name = strip_args(sym.replace(" (inlined)", "")).split("<")[0] or sym
        if dso == MODULE_NAME:
            target = mod
        elif dso.startswith("libcrypto") and not name.startswith("0x"):
            target = lib
        else:
            continue
        if name not in [n for n, _ in target]:
            target.append((name, pct))
    return {"module_top": mod[:top], "libcrypto_top": lib[:top], "split": split_of(mod),
            "report": os.path.join(OUT, "perf-report.txt")}


# ------------------------------------------------------------------ report

def mib(kb):
    return kb / 1024.0


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    ver = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip()
    ssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kb / 1048576, 1),
            "kernel": platform.release(), "nginx": ver, "openssl": ssl}


def fmt_label(r):
    return "" if r["key_format"] == "pkcs8" else f" ({r['key_format']})"


def report(results, mach, mod, runs, profiles):
    base = next(r for r in results if r["n"] == 0)
    bw = base["worker"]["VmRSS"]
    full = [r for r in results if r["issuers"] and r["n"] > 0]
    lines = []
    w = lines.append
    w("ngx_http_wellknown_module config-load scale (bench/scale.sh)")
    w(f"date     {time.strftime('%Y-%m-%d %H:%M:%S %z')}")
    w(f"machine  nproc={mach['nproc']}  cpu={mach['cpu']}  ram={mach['ram_gib']} GiB  "
      f"kernel={mach['kernel']}")
    w(f"         {mach['nginx']}  {mach['openssl']}")
    w(f"module   {mod['path']}  sha256={mod['sha256'][:16]}  mtime={mod['mtime']}")
    w(f"nginx -t: median of {runs} runs; RSS from /proc/PID/status VmRSS after start; "
      f"key files EC P-256 PKCS#8 unless marked")
    w("")
    hdr = ("N issuers", "nginx -t s", "-t maxRSS MiB", "master RSS MiB", "worker RSS MiB",
           "worker +MiB vs base")
    rows = []
    for r in [base] + full:
        label = "0 (baseline)" if r["n"] == 0 else f"{r['n']}{fmt_label(r)}"
        added = "-" if r["n"] == 0 else f"{mib(r['worker']['VmRSS'] - bw):.1f}"
        rows.append((label, f"{r['t_wall']:.3f}", f"{mib(r['t_maxrss_kb']):.1f}",
                     f"{mib(r['master']['VmRSS']):.1f}", f"{mib(r['worker']['VmRSS']):.1f}", added))
    widths = [max(len(h), *(len(c[i]) for c in rows)) for i, h in enumerate(hdr)]
    w("| " + " | ".join(h.rjust(x) for h, x in zip(hdr, widths)) + " |")
    w("|" + "|".join("-" * (x + 1) + ":" for x in widths) + "|")
    for cells in rows:
        w("| " + " | ".join(c.rjust(x) for c, x in zip(cells, widths)) + " |")
    w("")
    w("Details (nginx -t wall and user+sys CPU per run; 1-min load average before each run)")
    for r in results:
        runs_s = ", ".join(f"{x:.3f}" for x in r["t_walls"])
        cpu_s = ", ".join(f"{x:.2f}" for x in r["t_cpus"])
        load_s = ", ".join(f"{x:.2f}" for x in r["loadavg"])
        if not r["issuers"] and r["n"] > 0:
            w(f"  N={r['n']}{fmt_label(r)} key sets only ({r['n'] // 2 + 1} sets, "
              f"{2 * (r['n'] // 2) + 2} keys, no issuer): nginx -t {r['t_wall']:.3f} s "
              f"[{runs_s}] cpu [{cpu_s}] load [{load_s}], max RSS {mib(r['t_maxrss_kb']):.1f} MiB")
            continue
        wk, ms = r["worker"], r["master"]
        w(f"  N={r['n']}{fmt_label(r) if r['n'] else ''}: nginx -t [{runs_s}] s, cpu [{cpu_s}] s, "
          f"load [{load_s}]; {r['t_warnings']} [warn] lines; start (nginx command until "
          f"daemonised) {r['start_s']:.3f} s")
        w(f"    worker VmRSS {mib(wk['VmRSS']):.1f} (anon {mib(wk.get('RssAnon', 0)):.1f}, "
          f"file {mib(wk.get('RssFile', 0)):.1f}) Pss {mib(wk.get('Pss', 0)):.1f} "
          f"Private_Dirty {mib(wk.get('Private_Dirty', 0)):.1f} MiB; "
          f"after requests VmRSS {mib(r['worker_after_requests']['VmRSS']):.1f} MiB")
        w(f"    master VmRSS {mib(ms['VmRSS']):.1f} (anon {mib(ms.get('RssAnon', 0)):.1f}) "
          f"VmHWM {mib(ms.get('VmHWM', 0)):.1f} MiB")
        w("    checks: " + ", ".join(f"{c['path']} -> {c['status']}" for c in r["checks"]))
    w("")
    w("Where nginx -t time goes, by subtraction (full config - key sets only - baseline; "
      "only as good as the run-to-run noise above: see the profiles for the exact split)")
    for r in full:
        ko = next((k for k in results if k["n"] == r["n"] and not k["issuers"]
                   and k["key_format"] == r["key_format"]), None)
        if not ko:
            continue
        for what, key in (("wall", "t_wall"), ("cpu", "t_cpu")):
            keys = ko[key] - base[key]
            rest = r[key] - ko[key]
            total = r[key] - base[key]
            pct = (lambda x: f" ({100 * x / total:.0f}%)") if total > 0.05 else (lambda x: "")
            nkeys = 2 * (r["n"] // 2) + 2
            w(f"  N={r['n']}{fmt_label(r)} {what}: baseline {base[key]:.3f} s; the module's config "
              f"adds {total:.3f} s: {nkeys} key files {keys:.3f} s{pct(keys)} "
              f"= {1000 * keys / nkeys:.2f} ms/key, {r['n']} issuers {rest:.3f} s{pct(rest)} "
              f"= {1e6 * rest / r['n']:.0f} us/issuer")
    for name, prof in profiles.items():
        w("")
        if "error" in prof:
            w(f"{name}: failed: {prof['error'][:300]}")
            continue
        w(f"{name} of nginx -t, N={prof['n']} ({prof.get('seconds', '-')} s), top inclusive "
          f"functions (% of all instructions/samples):")
        w("  module:    " + "; ".join(f"{n} {p:.1f}%" for n, p in prof["module_top"]))
        w("  libcrypto: " + "; ".join(f"{n} {p:.1f}%" for n, p in prof["libcrypto_top"]))
        w("  split:")
        for label, pct in prof["split"]:
            w(f"    {label:<52} {pct:5.1f}%")
    for r in full:
        if r["n"] < 10000:
            continue
        added = mib(r["worker"]["VmRSS"] - bw)
        w("")
        w(f"Issue 4 targets at N={r['n']}{fmt_label(r)}: load <= 2 s: {r['t_wall']:.3f} s "
          f"{'MET' if r['t_wall'] <= 2 else 'NOT MET'}; worker adds <= 64 MiB: {added:.1f} MiB "
          f"{'MET' if added <= 64 else 'NOT MET'}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description="config-load scale measurement (see bench/scale.sh)")
    ap.add_argument("-n", default=os.environ.get("SCALE_N", "1000,10000"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--key-format", default="pkcs8")
    ap.add_argument("--no-keys-only", action="store_true")
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--perf", action="store_true")
    a = ap.parse_args()
    ns = sorted({int(x) for x in re.split(r"[,\s]+", a.n.strip()) if x})
    fmts = [f for f in a.key_format.split(",") if f]
    if not ns or min(ns) < 1 or max(ns) > 200000 or not 1 <= a.runs <= 50:
        sys.exit("-n takes issuer counts 1..200000, --runs 1..50")
    if not fmts or any(f not in KEY_FORMATS for f in fmts):
        sys.exit(f"--key-format takes a list of {', '.join(KEY_FORMATS)}")
    os.makedirs(OUT, exist_ok=True)
    ensure_time()
    module, mod = snapshot_module()
    log(f"module {mod['path']} sha256 {mod['sha256'][:16]} ({mod['mtime']})")
    for fmt in fmts:
        ensure_keys(max(ns) // 2, fmt)
    results = [measure("baseline", module, 0, False, a.runs, fmts[0])]
    for fmt in fmts:
        sfx = "" if fmt == "pkcs8" else f"-{fmt}"
        for n in ns:
            results.append(measure(f"{n}{sfx}", module, n, True, a.runs, fmt))
            if not a.no_keys_only:
                results.append(measure(f"{n}{sfx}-keys-only", module, n, False, a.runs, fmt))
    profiles = {}
    first = f"{ns[0]}" + ("" if fmts[0] == "pkcs8" else f"-{fmts[0]}")
    if a.perf:
        profiles["perf"] = dict(perf_profile(os.path.join(OUT, first)), n=ns[0])
    if a.callgrind:
        profiles["callgrind"] = dict(callgrind(os.path.join(OUT, first)), n=ns[0])
    mach = machine()
    text = report(results, mach, mod, a.runs, profiles)
    with open(os.path.join(OUT, "results.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump({"machine": mach, "module": mod, "results": results, "profiles": profiles},
                  f, indent=1)
    print(text, end="")


if __name__ == "__main__":
    main()
