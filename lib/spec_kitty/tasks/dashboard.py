"""The dashboard task: the board and the sync health as a live page on 127.0.0.1."""

from spec_kitty.tasks.base import number, task


@task(
    help={
        "port": "port to listen on (default: a free one, never spec-kitty's 9237-9337 or "
        "9400-9450)",
        "open": "open the page in the web browser",
        "json": "print {url, port, pid} as one JSON object",
        "background": "run detached (pid file .kittify/toolkit-dashboard.json); --stop ends it",
        "stop": "stop this project's dashboard that runs in the background",
    }
)
def dashboard(c, port=None, open=False, json=False, background=False, stop=False):
    """Serve the board and the sync health as a live page on 127.0.0.1, and print its URL.

    Every feature's work packages by lane (4 lanes, or all canonical lanes), the queue, failures
    with their next steps, the login and the last sync, following CLI changes within 2 s; a
    Sync now button runs `spec-kitty sync-now`. The URL carries this run's key, which Sync now
    needs. Runs until Ctrl-C, or detached with --background."""
    import signal

    from spec_kitty.dashboard import running
    from spec_kitty.jsonl import ScriptError, dumps, warn
    from spec_kitty.workflow.workspace import open_workspace

    root = open_workspace().root
    if stop:
        result = running.stop_dashboard(root)
        if json:
            print(dumps(result))
        elif result["stopped"]:
            print(f"stopped the dashboard on port {result['port']} (pid {result['pid']})")
        else:
            print("no dashboard is running for this project")
        return
    chosen = running.check_port(number("port", port, int)) if port is not None else 0
    already = running.running_dashboard(root)
    if already:
        raise ScriptError(
            f"a dashboard already serves this project on http://{running.LOOPBACK}:"
            f"{already['port']}/ (pid {already['pid']}); open the URL it printed, or stop it "
            "with `spec-kitty dashboard --stop`"
        )
    token = running.new_token()

    def announce(info: dict) -> None:
        print(dumps(info) if json else f"dashboard: {info['url']}", flush=True)
        if background:
            warn(
                f"running in the background (pid {info['pid']}); stop it with "
                "`spec-kitty dashboard --stop`"
            )
        else:
            warn("the URL carries this run's key, which Sync now needs; Ctrl-C stops it")
        if open:
            import webbrowser

            webbrowser.open(info["url"])

    if background:
        announce(running.start_background(root, token, chosen))
        return
    signal.signal(signal.SIGTERM, _interrupt)
    running.serve(root, token, chosen, announce)
    warn("dashboard stopped")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


TASKS = [dashboard]
