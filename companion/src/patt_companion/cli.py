"""`patt-companion [--config PATH] [--debug] <command>` (CMPN-2, CMPN-24).

Entry points only: each command parses its input, calls the modules that own the rules and
prints the result. Exit codes: 0 ok, 1 failure or jobs remaining, 2 configuration error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from patt_companion import __version__
from patt_companion.config import (
    NOT_CONFIGURED,
    Config,
    ConfigError,
    load_config,
    save_config,
    site_host,
    validate_site_url,
)
from patt_companion.log import setup_logging
from patt_companion.luadata import LuaParseError, load_var
from patt_companion.payload import PayloadError, build_payload
from patt_companion.pipeline import Companion, file_signature
from patt_companion.tokenstore import TokenStore, mask_token
from patt_companion.uploader import Uploader
from patt_companion.watcher import Watcher
from patt_companion.wowpaths import (
    ADDON_FILE,
    WowPathError,
    find_installs,
    resolve_saved_variables_dir,
    suggested_account,
)

log = logging.getLogger("patt_companion")
NO_TOKEN = "No upload token stored: run `patt-companion set-token`."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="patt-companion",
        description="Uploads the PATTSync addon's guild roster export to the guild website.",
    )
    parser.add_argument("--config", metavar="PATH", help="config.json to use")
    parser.add_argument("--debug", action="store_true", help="log events and timings")
    parser.add_argument("--version", action="version", version=f"patt-companion {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command")
    sub.add_parser("setup", help="set the site URL, token and WoW folder interactively")
    sub.add_parser("run", help="upload the current export, then watch for new ones (default)")
    once = sub.add_parser("once", help="upload the current export if new, send due jobs, exit")
    once.add_argument("--force", action="store_true", help="even if already uploaded")
    sub.add_parser("status", help="show the configuration, last upload and outbox")
    sub.add_parser("find-wow", help="list detected WoW installs and accounts")
    sub.add_parser("locate", help="same as find-wow")
    sub.add_parser("set-token", help="store a new upload token (prompt or stdin)")
    parse = sub.add_parser("parse", help="print a SavedVariables file as JSON (no network)")
    parse.add_argument("file")
    parse.add_argument("--payload", action="store_true", help="print the upload payload")
    upload = sub.add_parser("upload", help="process and upload this file now")
    upload.add_argument("file")
    sub.add_parser("flush", help="send every outbox job now, including paused ones")
    sub.add_parser("config", help="print the configuration (token masked)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        config = load_config(args.config)
        if args.debug:
            config.log_level = "DEBUG"
        handler = COMMANDS[command]
        return handler(args, config)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


# -- helpers --------------------------------------------------------------------------------


def _tokens(config: Config) -> TokenStore:
    return TokenStore(config.token_dir, config.host)


def _ready(config: Config, *, need_folder: bool = True) -> tuple[str, TokenStore]:
    """Validate the config and return the token (CMPN-24: exit 2 when not configured)."""
    if not config.site_url or (need_folder and not config.saved_variables_path):
        raise ConfigError(NOT_CONFIGURED)
    config.site_url = validate_site_url(config.site_url)
    if need_folder:
        config.validate()
    store = _tokens(config)
    token = store.get()
    if not token:
        raise ConfigError(NO_TOKEN)
    return token, store


def _companion(config: Config, token: str | None) -> Companion:
    uploader = Uploader(config.site_url, token) if token else None
    return Companion(data_dir=config.data_path, uploader=uploader)


def _addon_file(config: Config) -> Path:
    return Path(config.saved_variables_path) / ADDON_FILE


def _logging(config: Config, token: str | None = None, console: bool = True) -> None:
    setup_logging(config.log_path, config.log_level, console=console, token=token)


def _fmt_time(epoch) -> str:
    if not epoch:
        return "-"
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- commands -------------------------------------------------------------------------------


def cmd_parse(args, config: Config) -> int:
    """`parse FILE [--payload]`: JSON on stdout, no network (CMPN-2)."""
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"Cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        if args.payload:
            payload = build_payload(load_var(data, "PATTSyncDB"))
            for warning in payload.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            result = payload.body
        else:
            from patt_companion.luadata import parse_saved_variables

            result = parse_saved_variables(data)
    except LuaParseError as exc:
        print(f"Cannot parse {path}: {exc}", file=sys.stderr)
        return 1
    except PayloadError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


def cmd_once(args, config: Config) -> int:
    """Process the current file if new, send due jobs, exit 0 when nothing is pending."""
    token, _ = _ready(config)
    _logging(config, token)
    companion = _companion(config, token)
    companion.outbox.unpause_all()
    companion.process_file(_addon_file(config), force=args.force)
    remaining = companion.send_due()
    return 0 if remaining == 0 else 1


def cmd_upload(args, config: Config) -> int:
    """`upload FILE`: process that file now (even if uploaded before) and send it."""
    token, _ = _ready(config, need_folder=False)
    _logging(config, token)
    companion = _companion(config, token)
    result = companion.process_file(Path(args.file), force=True)
    if result.status not in ("queued", "already_uploaded"):
        print(result.message, file=sys.stderr)
        return 1
    remaining = companion.send_due()
    return 0 if remaining == 0 else 1


def cmd_flush(args, config: Config) -> int:
    token, _ = _ready(config, need_folder=False)
    _logging(config, token)
    companion = _companion(config, token)
    companion.outbox.resume_all()
    remaining = companion.send_due(include_paused=True)
    print(f"{remaining} job(s) left in the outbox.")
    return 0 if remaining == 0 else 1


def cmd_run(args, config: Config) -> int:
    """Start (CMPN-24): validate, banner, process once, send due jobs, watch until stopped.

    Ctrl-C / SIGTERM only ask to stop, from the very start: an upload in flight (the startup
    one or the watcher's) finishes or times out before the process exits 0. A second signal
    gets the previous handlers back, i.e. quits at once (the job stays in the outbox).
    """
    token, _ = _ready(config)
    _logging(config, token)
    stopped = threading.Event()
    handled = (signal.SIGTERM, signal.SIGINT)
    previous = {}

    def restore_handlers():
        while previous:
            signum, handler = previous.popitem()
            signal.signal(signum, handler)

    def stop(_signum=None, _frame=None):
        stopped.set()
        restore_handlers()

    for signum in handled:
        previous[signum] = signal.signal(signum, stop)
    watcher = None
    try:
        folder = Path(config.saved_variables_path)
        log.info("patt-companion %s starting: folder %s, site %s", __version__, folder, config.host)
        companion = _companion(config, token)
        resumed = companion.outbox.unpause_all()
        if resumed:
            log.info("Resumed %d paused upload(s)", resumed)
        if _addon_file(config).exists():
            companion.process_file(_addon_file(config))
        companion.send_due()
        if stopped.is_set():
            log.info("Stopping...")
            return 0
        watcher = Watcher(
            companion, folder, settle_s=config.settle_s, poll_interval_s=config.poll_interval_s
        )
        watcher.start()
        log.info("Watching %s (Ctrl-C to stop)", folder)
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        restore_handlers()
        if watcher is not None:
            log.info("Stopping...")
            watcher.stop(timeout=75)
    return 0


def cmd_status(args, config: Config) -> int:
    store = _tokens(config) if config.site_url else None
    token = store.get() if store else None
    companion = _companion(config, None)
    print(f"Site:          {config.host or '(not set)'}")
    print(f"Token:         {mask_token(token)}")
    print(f"Folder:        {config.saved_variables_path or '(not set)'}")
    if config.saved_variables_path:
        path = _addon_file(config)
        signature = file_signature(path)
        if signature is None:
            print(f"File:          {ADDON_FILE} not found")
        else:
            mtime = signature[1] / 1e9
            export_time = "-"
            try:
                db = load_var(path.read_bytes(), "PATTSyncDB")
                if isinstance(db, dict) and isinstance(db.get("lastExport"), dict):
                    export_time = _fmt_time(db["lastExport"].get("exportTime"))
            except (OSError, LuaParseError) as exc:
                export_time = f"unreadable ({exc})"
            print(f"File:          written {_fmt_time(mtime)}, export {export_time}")
    result = companion.state.last_result
    if result:
        if result.get("ok"):
            exported = _fmt_time(result.get("export_time"))
            text = f"ok at {_fmt_time(result.get('at'))} (export {exported})"
        else:
            text = f"failed at {_fmt_time(result.get('at'))}: {result.get('error')}"
        print(f"Last upload:   {text}")
    else:
        print("Last upload:   none yet")
    jobs = companion.outbox.jobs()
    if jobs:
        waiting = [j for j in jobs if not j.paused]
        nxt = min((j.next_attempt_at for j in waiting), default=None)
        paused = [j for j in jobs if j.paused]
        extra = f", {len(paused)} paused ({paused[-1].last_error})" if paused else ""
        when = f", next retry {_fmt_time(nxt)}" if nxt else ""
        print(f"Outbox:        {len(jobs)} job(s){when}{extra}")
    else:
        print("Outbox:        empty")
    return 0


def cmd_find_wow(args, config: Config) -> int:
    installs = find_installs()
    if not installs:
        print("No World of Warcraft install found. Use `patt-companion setup` and type the folder.")
        return 1
    for install in installs:
        print(f"{install.root}")
        if not install.accounts:
            print("  (no accounts yet -- log in to WoW once)")
        for account in install.accounts:
            has = (
                "PATTSync.lua present" if account.file_mtime is not None else "no PATTSync.lua yet"
            )
            print(f"  {account.name}: {account.saved_variables} ({has})")
    return 0


def _read_token(prompt: str = "Upload token (input hidden): ") -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def cmd_set_token(args, config: Config) -> int:
    """Store a new token from a hidden prompt or stdin, never argv (CMPN-4)."""
    if not config.site_url:
        raise ConfigError(NOT_CONFIGURED)
    token = _read_token()
    if not token.strip():
        print("No token given; nothing changed.", file=sys.stderr)
        return 1
    where = _tokens(config).set(token)
    print(f"Token {mask_token(token.strip())} stored in {where}.")
    resumed = Companion(data_dir=config.data_path, uploader=None).outbox.unpause_all()
    if resumed:
        print(f"Resumed {resumed} paused upload(s); they are sent on the next run.")
    return 0


def cmd_config(args, config: Config) -> int:
    data = config.to_json()
    token = _tokens(config).get() if config.site_url else None
    data["token"] = mask_token(token)
    data["config_file"] = str(config.path)
    data["data_dir"] = str(config.data_path)
    data["log_dir"] = str(config.log_path)
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


def _ask(prompt: str, default: str = "") -> str:
    shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
    answer = input(shown).strip()
    return answer or default


def _choose_folder() -> Path:
    installs = find_installs()
    options = []
    for install in installs:
        for account in install.accounts:
            options.append(account)
    if options:
        suggested = suggested_account(options)
        print("Detected WoW accounts:")
        for number, account in enumerate(options, 1):
            mark = (
                " (suggested: newest PATTSync.lua)"
                if account is suggested and len(options) > 1
                else ""
            )
            print(f"  {number}. {account.name}: {account.saved_variables}{mark}")
        default = str(options.index(suggested) + 1)
        while True:
            answer = _ask("Pick a number, or type a folder", default)
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return options[int(answer) - 1].saved_variables
            try:
                return resolve_saved_variables_dir(answer)
            except WowPathError as exc:
                print(exc)
    print("No World of Warcraft install found automatically.")
    while True:
        answer = _ask("Your World of Warcraft folder (or its SavedVariables folder)")
        try:
            return resolve_saved_variables_dir(answer)
        except WowPathError as exc:
            print(exc)


def cmd_setup(args, config: Config) -> int:
    """Interactive setup (CMPN-2): site URL, token, WoW folder; verifies the token."""
    while True:
        try:
            site_url = validate_site_url(_ask("Guild site URL", config.site_url or "https://"))
            break
        except ConfigError as exc:
            print(exc)
    config.site_url = site_url
    store = TokenStore(config.token_dir, site_host(site_url))
    existing = store.get()
    token = _read_token(
        "Upload token from the site's admin (input hidden"
        + (f", Enter keeps {mask_token(existing)}" if existing else "")
        + "): "
    ).strip() or (existing or "")
    if not token:
        print("A token is needed; ask an officer to create one in the site's admin.")
        return 1
    ok, message, body = Uploader(site_url, token).check_token()
    print(message)
    if ok:
        guild = body.get("guild_name")
        if guild:
            print(f"Connected to {guild}.")
    elif _ask("Save anyway? (y/N)", "n").lower() not in ("y", "yes"):
        return 1
    folder = _choose_folder()
    config.saved_variables_path = str(folder)
    where = store.set(token)
    path = save_config(config)
    print(f"Saved {path} (token in {where}).")
    print("Start it with `patt-companion run`.")
    return 0


COMMANDS = {
    "setup": cmd_setup,
    "run": cmd_run,
    "once": cmd_once,
    "status": cmd_status,
    "find-wow": cmd_find_wow,
    "locate": cmd_find_wow,
    "set-token": cmd_set_token,
    "parse": cmd_parse,
    "upload": cmd_upload,
    "flush": cmd_flush,
    "config": cmd_config,
}
