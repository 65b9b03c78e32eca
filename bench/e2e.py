#!/usr/bin/env python3
"""End-to-end HTTP benchmark: mend vs. IOPaint 1.6.0 on POST /api/v1/inpaint (cv2 model).

Client side needs Python >= 3.11 with numpy and Pillow; scikit-image is optional (it provides
the natural test photo `astronaut`; without it a synthetic textured image is used).
HTTP is plain stdlib (http.client + concurrent.futures). See bench/README.md.

Examples
  # let the script start (and afterwards stop) both servers itself:
  python bench/e2e.py --start-mend ~/.cache/mend/target/release/mend \
                      --start-iopaint ~/.cache/mend/venv-iopaint/bin/iopaint
  # servers already running (RSS only if you also pass --pid):
  python bench/e2e.py --target mend=http://127.0.0.1:18081 --pid mend=12345 \
                      --target iopaint=http://127.0.0.1:18080
"""
from __future__ import annotations

import argparse
import base64
import concurrent.futures as cf
import datetime as dt
import http.client
import io
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
BRUSH_RGBA = (255, 204, 0, 0xBB)  # the bundled UI's mask brush colour (#ffcc00bb)
UI_NEGATIVE_PROMPT = (
    "out of frame, lowres, error, cropped, worst quality, low quality, jpeg artifacts, ugly, "
    "duplicate, morbid, mutilated, out of frame, mutation, deformed, blurry, dehydrated, "
    "bad anatomy, bad proportions, extra limbs, disfigured, gross proportions, malformed limbs, "
    "watermark, signature"
)


# ----------------------------------------------------------------------------- inputs
def load_photo(path: str | None) -> tuple[Image.Image, str]:
    if path:
        return Image.open(path).convert("RGB"), f"file:{path}"
    try:
        import skimage.data  # noqa: PLC0415  (ships astronaut.png inside the wheel, offline)

        return Image.fromarray(skimage.data.astronaut()).convert("RGB"), "skimage.data.astronaut"
    except Exception as exc:  # pragma: no cover - fallback path
        print(f"[inputs] scikit-image unavailable ({exc}); using a synthetic textured image",
              file=sys.stderr)
        rng = np.random.default_rng(1234)
        n = 512
        y, x = np.mgrid[0:n, 0:n].astype(np.float32) / n
        base = np.stack([
            128 + 90 * np.sin(2 * np.pi * (3 * x + 2 * y)),
            128 + 90 * np.sin(2 * np.pi * (5 * y - x) + 1.0),
            128 + 90 * np.cos(2 * np.pi * 4 * x * y),
        ], axis=-1)
        base += rng.normal(0, 18, base.shape)
        return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)), "synthetic"


def make_mask(n: int, target_frac: float = 0.105) -> tuple[Image.Image, float]:
    """UI-style mask: RGBA, transparent background, brush colour where to fill.

    A centred square (side 0.28 n) plus a diagonal stroke (lower-left to upper-right);
    the stroke width is tuned so that the filled fraction is ~target_frac."""
    side = round(0.28 * n)
    x0 = (n - side) // 2

    def draw(width: int) -> np.ndarray:
        m = Image.new("L", (n, n), 0)
        d = ImageDraw.Draw(m)
        d.rectangle([x0, x0, x0 + side - 1, x0 + side - 1], fill=255)
        d.line([(round(0.08 * n), round(0.92 * n)), (round(0.92 * n), round(0.08 * n))],
               fill=255, width=width)
        return np.asarray(m)

    lo, hi = 1, n // 4
    while lo < hi:  # smallest stroke width reaching the target fraction
        mid = (lo + hi) // 2
        if (draw(mid) > 0).mean() >= target_frac:
            hi = mid
        else:
            lo = mid + 1
    g = draw(lo)
    frac = float((g > 0).mean())
    rgba = np.zeros((n, n, 4), np.uint8)
    rgba[g > 0] = BRUSH_RGBA
    return Image.fromarray(rgba, "RGBA"), frac


def png_data_url(img: Image.Image) -> tuple[str, int]:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    raw = buf.getvalue()
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii"), len(raw)


def ui_payload(image_url: str, mask_url: str, cv2_flag: str, cv2_radius: int) -> dict:
    """The key set the bundled IOPaint 1.6.0 UI sends (spec section 3.6), UI defaults."""
    return {
        "image": image_url,
        "mask": mask_url,
        "ldm_steps": 30,
        "ldm_sampler": "ddim",
        "zits_wireframe": True,
        "cv2_flag": cv2_flag,
        "cv2_radius": cv2_radius,
        "hd_strategy": "Crop",
        "hd_strategy_crop_triger_size": 640,  # sic: misspelled by the UI, ignored upstream
        "hd_strategy_crop_margin": 128,
        "hd_trategy_resize_imit": 2048,  # sic
        "prompt": "",
        "negative_prompt": UI_NEGATIVE_PROMPT,
        "use_croper": False,
        "croper_x": 0, "croper_y": 0, "croper_height": 512, "croper_width": 512,
        "use_extender": False,
        "extender_x": 0, "extender_y": 0, "extender_height": 512, "extender_width": 512,
        "sd_mask_blur": 12,
        "sd_strength": 1.0,
        "sd_steps": 50,
        "sd_guidance_scale": 7.5,
        "sd_sampler": "DPM++ 2M",
        "sd_seed": -1,
        "sd_match_histograms": False,
        "sd_lcm_lora": False,
        "paint_by_example_example_image": None,
        "p2p_image_guidance_scale": 1.5,
        "enable_controlnet": False,
        "controlnet_conditioning_scale": 0.4,
        "controlnet_method": "lllyasviel/control_v11p_sd15_canny",
        "enable_brushnet": False,
        "brushnet_method": "random_mask",
        "brushnet_conditioning_scale": 1.0,
        "enable_powerpaint_v2": False,
        "powerpaint_task": "text-guided",
    }


class Case:
    def __init__(self, size: int, photo: Image.Image, args):
        self.size = size
        img = photo.resize((size, size), Image.LANCZOS)
        mask, self.mask_frac = make_mask(size)
        image_url, self.image_png_bytes = png_data_url(img)
        mask_url, _ = png_data_url(mask)
        self.body = json.dumps(ui_payload(image_url, mask_url, args.cv2_flag, args.cv2_radius)
                               ).encode()
        self.src = np.asarray(img)
        self.fill = np.asarray(mask)[..., 3] > 0


# ----------------------------------------------------------------------------- HTTP
def http_call(base: str, method: str, path: str, body: bytes | None = None,
              timeout: float = 600.0) -> tuple[int, dict, bytes]:
    u = urllib.parse.urlsplit(base)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing non-loopback target {base}")
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        headers = {"Connection": "close"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def inpaint(base: str, case: Case, timeout: float) -> tuple[float, int, dict, bytes]:
    t0 = time.perf_counter()
    status, headers, data = http_call(base, "POST", "/api/v1/inpaint", case.body, timeout)
    return time.perf_counter() - t0, status, headers, data


def wait_ready(base: str, proc: subprocess.Popen | None, timeout: float) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before becoming ready")
        try:
            status, _, _ = http_call(base, "GET", "/api/v1/server-config", timeout=5)
            if status == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{base} not ready after {timeout:.0f} s")


# ----------------------------------------------------------------------------- RSS
def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append(int(p.name))
    return out


def process_tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(_children(p))
    return seen


def status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_kib(pid: int, key: str) -> int:
    return sum(status_kib(p, key) for p in process_tree(pid))


def reset_hwm(pid: int) -> bool:
    ok = True
    for p in process_tree(pid):
        try:
            Path(f"/proc/{p}/clear_refs").write_text("5")  # resets VmHWM to current RSS
        except OSError:
            ok = False
    return ok


class RssSampler:
    """Polls summed VmRSS of a process tree; peak = max(sampled, VmHWM after reset)."""

    def __init__(self, pid: int | None, interval: float = 0.1):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._t = None
        self.hwm_reset = False

    def __enter__(self):
        if self.pid:
            self.hwm_reset = reset_hwm(self.pid)
            self._t = threading.Thread(target=self._run, daemon=True)
            self._t.start()
        return self

    def _run(self):
        i, tree = 0, []
        while not self._stop.is_set():
            if i % 20 == 0:  # re-scan the process tree every ~2 s only (cheap on 2 cores)
                tree = process_tree(self.pid)
            i += 1
            self.peak = max(self.peak, sum(status_kib(p, "VmRSS") for p in tree))
            self._stop.wait(self.interval)

    def __exit__(self, *exc):
        if self._t:
            self._stop.set()
            self._t.join()
            if self.hwm_reset:
                self.peak = max(self.peak, tree_kib(self.pid, "VmHWM"))


# ----------------------------------------------------------------------------- servers
class Server:
    def __init__(self, name: str, base: str, pid: int | None = None,
                 proc: subprocess.Popen | None = None, log: Path | None = None):
        self.name, self.base, self.pid, self.proc, self.log = name, base, pid, proc, log
        self.ready_s = None
        self.idle_rss_kib = None

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_server(name: str, argv: list[str], port: int, env_extra: dict, log_dir: Path,
                 ready_timeout: float) -> Server:
    log = log_dir / f"{name}-{port}.log"
    env = dict(os.environ, **env_extra)
    fh = open(log, "wb")
    print(f"[{name}] starting: {' '.join(argv)}  (log: {log})", file=sys.stderr)
    proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env=env,
                            stdin=subprocess.DEVNULL)
    srv = Server(name, f"http://127.0.0.1:{port}", proc.pid, proc, log)
    try:
        srv.ready_s = wait_ready(srv.base, proc, ready_timeout)
    except Exception:
        srv.stop()
        print(f"[{name}] failed to start; last log lines:\n"
              + "\n".join(log.read_text(errors="replace").splitlines()[-20:]), file=sys.stderr)
        raise
    print(f"[{name}] ready after {srv.ready_s:.1f} s (pid {proc.pid})", file=sys.stderr)
    return srv


# ----------------------------------------------------------------------------- runs
def check_png(data: bytes, size: int) -> np.ndarray:
    img = Image.open(io.BytesIO(data))
    if img.size != (size, size):
        raise ValueError(f"response is {img.size}, expected {(size, size)}")
    return np.asarray(img.convert("RGB"))


def bench_sizes(servers: list[Server], cases: list[Case], reps: int, warmup: int,
                timeout: float, rss_size: int) -> dict:
    """Sequential latency. Requests are interleaved across servers (A B A B ...), so that
    background load on the machine hits every target alike and the ratios stay meaningful."""

    def call(srv, case):
        t, status, headers, data = inpaint(srv.base, case, timeout)
        if status != 200:
            raise RuntimeError(f"{srv.name} {case.size}: HTTP {status}: {data[:300]!r}")
        return t, headers, data

    res = {s.name: {} for s in servers}
    for case in cases:
        for _ in range(warmup):
            for srv in servers:
                call(srv, case)
        times = {s.name: [] for s in servers}
        last = {}
        samplers = [RssSampler(s.pid if case.size == rss_size else None) for s in servers]
        for rs in samplers:
            rs.__enter__()
        try:
            for i in range(reps):
                order = servers if i % 2 == 0 else servers[::-1]
                for srv in order:
                    t, headers, data = call(srv, case)
                    times[srv.name].append(t)
                    last[srv.name] = (headers, data)
        finally:
            for rs in samplers:
                rs.__exit__(None, None, None)
        for srv, rs in zip(servers, samplers):
            headers, data = last[srv.name]
            arr = check_png(data, case.size)
            keep = ~case.fill
            diff_keep = int(np.abs(arr[keep].astype(int) - case.src[keep].astype(int)).max())
            ts = times[srv.name]
            entry = {
                "times_s": ts,
                "median_s": statistics.median(ts),
                "min_s": min(ts),
                "max_s": max(ts),
                "content_type": headers.get("content-type"),
                "response_bytes": len(data),
                "max_abs_diff_outside_mask": diff_keep,
                "_result": arr,  # stripped before JSON
            }
            if case.size == rss_size and srv.pid:
                entry["peak_rss_kib"] = rs.peak
                entry["hwm_reset"] = rs.hwm_reset
            res[srv.name][case.size] = entry
            print(f"[{srv.name}] {case.size}²: median {entry['median_s']:.3f} s "
                  f"(min {entry['min_s']:.3f}, max {entry['max_s']:.3f}), "
                  f"{len(data) / 1e6:.2f} MB {headers.get('content-type')}", file=sys.stderr)
    return res


def bench_concurrency(srv: Server, cases: list[Case], clients: int, total: int,
                      timeout: float) -> dict:
    order = [cases[i % len(cases)] for i in range(total)]

    def one(case: Case):
        try:
            t, status, _, data = inpaint(srv.base, case, timeout)
            ok = status == 200
            if ok:
                check_png(data, case.size)
            return case.size, t, ok, None if ok else f"HTTP {status}: {data[:200]!r}"
        except Exception as exc:  # noqa: BLE001
            return case.size, None, False, repr(exc)

    with RssSampler(srv.pid) as rs:
        t0 = time.perf_counter()
        with cf.ThreadPoolExecutor(clients) as ex:
            results = list(ex.map(one, order))
        wall = time.perf_counter() - t0
    lat = sorted(r[1] for r in results if r[2])
    ok = len(lat)

    def pct(p):
        if not lat:
            return None
        return lat[min(len(lat) - 1, max(0, round(p / 100 * len(lat) + 0.5) - 1))]

    per_size = {}
    for c in cases:
        ls = sorted(r[1] for r in results if r[0] == c.size and r[2])
        per_size[c.size] = {"n": len(ls), "median_s": statistics.median(ls) if ls else None}
    errors = [r[3] for r in results if not r[2]][:5]
    out = {
        "clients": clients, "requests": total, "succeeded": ok, "all_succeeded": ok == total,
        "wall_s": wall, "throughput_rps": total / wall,
        "p50_s": pct(50), "p95_s": pct(95), "max_s": lat[-1] if lat else None,
        "per_size": per_size, "errors": errors,
    }
    if srv.pid:
        out["peak_rss_kib"] = rs.peak
    print(f"[{srv.name}] concurrency {clients}x: {ok}/{total} ok, p50 {out['p50_s']}, "
          f"p95 {out['p95_s']}, wall {wall:.1f} s", file=sys.stderr)
    return out


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1])
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "sched_nproc": len(os.sched_getaffinity(0)), "cpu": cpu,
            "mem_total_kib": mem, "kernel": platform.release(), "python": sys.version.split()[0]}


def mib(kib):
    return f"{kib / 1024:.0f} MiB" if kib else "-"


# ----------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", action="append", default=[], metavar="NAME=URL",
                    help="already running server (loopback only); repeatable")
    ap.add_argument("--pid", action="append", default=[], metavar="NAME=PID",
                    help="pid of a --target server, for RSS figures")
    ap.add_argument("--start-mend", metavar="BIN", help="start `BIN start ... --model cv2`")
    ap.add_argument("--start-iopaint", metavar="BIN", nargs="?",
                    const=str(Path.home() / ".cache/mend/venv-iopaint/bin/iopaint"),
                    help="start `iopaint start --model=cv2 --device=cpu` "
                         "(default BIN: ~/.cache/mend/venv-iopaint/bin/iopaint)")
    ap.add_argument("--mend-port", type=int, default=18081)
    ap.add_argument("--iopaint-port", type=int, default=18080)
    ap.add_argument("--ready-timeout", type=float, default=300)
    ap.add_argument("--sizes", default="512,1024,2048")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--rss-size", type=int, default=2048,
                    help="size during whose runs peak RSS is measured")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--conc-requests", type=int, default=64, help="0 disables the test")
    ap.add_argument("--cv2-flag", default="INPAINT_NS", choices=["INPAINT_NS", "INPAINT_TELEA"])
    ap.add_argument("--cv2-radius", type=int, default=4)
    ap.add_argument("--image", help="input photo (default: skimage astronaut)")
    ap.add_argument("--baseline", default="iopaint", help="ratio denominator target name")
    ap.add_argument("--timeout", type=float, default=600, help="per request, seconds")
    ap.add_argument("--out-dir", default=str(HERE / "out"))
    args = ap.parse_args()

    sizes = [int(s) for s in args.sizes.split(",") if s]
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    photo, photo_src = load_photo(args.image)
    t0 = time.perf_counter()
    cases = [Case(n, photo, args) for n in sizes]
    print(f"[inputs] {photo_src}; built in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{c.size}² png {c.image_png_bytes / 1e6:.2f} MB, "
                      f"mask {100 * c.mask_frac:.1f}%" for c in cases), file=sys.stderr)

    servers: list[Server] = []
    pids = dict(p.split("=", 1) for p in args.pid)
    for t in args.target:
        name, url = t.split("=", 1)
        servers.append(Server(name, url.rstrip("/"), int(pids[name]) if name in pids else None))
    try:
        if args.start_iopaint:
            servers.append(start_server(
                "iopaint",
                [args.start_iopaint, "start", "--model=cv2", "--device=cpu",
                 "--host=127.0.0.1", f"--port={args.iopaint_port}", "--local-files-only"],
                args.iopaint_port, {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                                    "GRADIO_ANALYTICS_ENABLED": "False"},
                out_dir, args.ready_timeout))
        if args.start_mend:
            servers.append(start_server(
                "mend",
                [args.start_mend, "start", "--host", "127.0.0.1", "--port", str(args.mend_port),
                 "--model", "cv2", "--device", "cpu"],
                args.mend_port, {}, out_dir, args.ready_timeout))
        if not servers:
            ap.error("no target: give --target, --start-mend and/or --start-iopaint")
        for s in servers:
            if s.proc is None:
                wait_ready(s.base, None, 10)
        time.sleep(2.0)  # let start-up settle before reading idle RSS
        for s in servers:
            if s.pid:
                s.idle_rss_kib = tree_kib(s.pid, "VmRSS")

        load_before = os.getloadavg()
        if load_before[0] > 0.5:
            print(f"[warn] load average {load_before[0]:.2f} before the run: other work "
                  "is competing for the CPUs; absolute times will be inflated "
                  "(ratios are less affected: requests are interleaved)", file=sys.stderr)
        sized = bench_sizes(servers, cases, args.reps, args.warmup, args.timeout,
                            args.rss_size)
        results = {s.name: {"sizes": sized[s.name]} for s in servers}
        for s in servers:  # one server at a time, the others idle
            if args.conc_requests > 0:
                results[s.name]["concurrency"] = bench_concurrency(
                    s, cases, args.clients, args.conc_requests, args.timeout)
    finally:
        for s in servers:
            s.stop()

    # output agreement between targets (masked area), vs. the baseline
    names = [s.name for s in servers]
    base = args.baseline if args.baseline in names else None
    agreement = {}
    if base:
        for n in names:
            if n == base:
                continue
            agreement[n] = {}
            for c in cases:
                a = results[n]["sizes"][c.size]["_result"].astype(int)
                b = results[base]["sizes"][c.size]["_result"].astype(int)
                d = np.abs(a - b)[c.fill]
                agreement[n][c.size] = {"mean_abs_diff_in_mask": float(d.mean()),
                                        "max_abs_diff_in_mask": int(d.max()),
                                        "identical_pixels_pct": float(100 * (d.max(-1) == 0).mean())}
    for n in names:
        for c in cases:
            results[n]["sizes"][c.size].pop("_result", None)

    # ---------------------------------------------------------------- report
    mi = machine_info()
    lines = [f"# e2e {stamp}  machine: {mi['nproc']} cpu, {mi['cpu']}, "
             f"{(mi['mem_total_kib'] or 0) / 2**20:.0f} GiB",
             f"# input {photo_src}, cv2 {args.cv2_flag} r={args.cv2_radius}, "
             f"warmup {args.warmup} + {args.reps} reps (interleaved), medians in seconds; "
             f"loadavg before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}", ""]
    hdr = f"{'size':>6} | " + " | ".join(f"{n:>10}" for n in names)
    others = [n for n in names if n != base] if base else []
    if others:
        hdr += " | " + " | ".join(f"{n + '/' + base:>16}" for n in others)
    lines += [hdr, "-" * len(hdr)]
    for c in cases:
        row = f"{str(c.size) + '²':>6} | " + " | ".join(
            f"{results[n]['sizes'][c.size]['median_s']:>10.3f}" for n in names)
        if others:
            bm = results[base]["sizes"][c.size]["median_s"]
            row += " | " + " | ".join(
                f"{results[n]['sizes'][c.size]['median_s'] / bm:>16.3f}" for n in others)
        lines.append(row)
    lines.append("")
    for s in servers:
        r = results[s.name]
        pk = r["sizes"].get(args.rss_size, {}).get("peak_rss_kib")
        line = (f"{s.name:>8}: idle RSS {mib(s.idle_rss_kib)}, peak RSS during "
                f"{args.rss_size}² {mib(pk)}")
        if s.ready_s is not None:
            line += f", ready in {s.ready_s:.1f} s"
        lines.append(line)
        cc = r.get("concurrency")
        if cc:
            lines.append(
                f"{'':>8}  concurrency {cc['clients']} clients x {cc['requests']} mixed: "
                f"{cc['succeeded']}/{cc['requests']} ok ({'ALL OK' if cc['all_succeeded'] else 'FAILURES'}), "
                f"p50 {cc['p50_s']:.2f} s, p95 {cc['p95_s']:.2f} s, max {cc['max_s']:.2f} s, "
                f"wall {cc['wall_s']:.1f} s, {cc['throughput_rps']:.2f} req/s, "
                f"peak RSS {mib(cc.get('peak_rss_kib'))}" if cc["p50_s"] is not None else
                f"{'':>8}  concurrency: 0/{cc['requests']} ok; errors: {cc['errors']}")
    for n in others:
        def ratio(a, b):
            return f"{a / b:.2f}" if a and b else "-"
        sb, sn = next(s for s in servers if s.name == base), next(s for s in servers if s.name == n)
        rb, rn = results[base], results[n]
        cb, cn = rb.get("concurrency") or {}, rn.get("concurrency") or {}
        lines.append(
            f"{n + '/' + base:>8}: idle RSS {ratio(sn.idle_rss_kib, sb.idle_rss_kib)}, "
            f"peak RSS {args.rss_size}² "
            f"{ratio(rn['sizes'].get(args.rss_size, {}).get('peak_rss_kib'), rb['sizes'].get(args.rss_size, {}).get('peak_rss_kib'))}, "
            f"concurrency p50 {ratio(cn.get('p50_s'), cb.get('p50_s'))}, "
            f"p95 {ratio(cn.get('p95_s'), cb.get('p95_s'))}, wall {ratio(cn.get('wall_s'), cb.get('wall_s'))}")
    for n, per in agreement.items():
        lines.append(f"{n:>8} vs {base}: " + ", ".join(
            f"{sz}² mean|d| in mask {v['mean_abs_diff_in_mask']:.2f} (max {v['max_abs_diff_in_mask']}, "
            f"{v['identical_pixels_pct']:.1f}% identical)" for sz, v in per.items()))
    report = "\n".join(lines)
    print(report)

    doc = {
        "timestamp": stamp, "machine": machine_info(), "argv": sys.argv,
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        "input": {"photo": photo_src, "sizes": sizes,
                  "mask_fraction": {c.size: c.mask_frac for c in cases},
                  "image_png_bytes": {c.size: c.image_png_bytes for c in cases},
                  "cv2_flag": args.cv2_flag, "cv2_radius": args.cv2_radius},
        "servers": {s.name: {"base": s.base, "pid": s.pid, "ready_s": s.ready_s,
                             "idle_rss_kib": s.idle_rss_kib,
                             "log": str(s.log) if s.log else None} for s in servers},
        "results": results, "agreement_vs_baseline": agreement, "report": report,
    }
    path = out_dir / f"e2e-{stamp}.json"
    path.write_text(json.dumps(doc, indent=2))
    print(f"\nwritten {path}", file=sys.stderr)
    failed = any(not results[n].get("concurrency", {"all_succeeded": True})["all_succeeded"]
                 for n in names)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
