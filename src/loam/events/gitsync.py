"""Git sync: the registry's generated files committed into a Git working copy, and pushed.

One folder per event (``spark.json``, ``bigquery.json``, ``jsonschema.json``,
``event.yaml``); one commit per sync that changes something, authored by the
editor; none when nothing changed. A push the remote rejects because it moved on
is followed by a fetch and a rebase, then tried again; Loam never force-pushes.
Git runs as a subprocess with its arguments as a list (no shell).
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loam.config import EventGitSettings
from loam.events.errors import GitNotConfigured, GitSyncFailed
from loam.events.files import event_files

PUSH_ATTEMPTS = 4
_THREAD_LOCK = threading.Lock()
_REJECTED = ("rejected", "fetch first", "non-fast-forward", "failed to push", "stale info")


@dataclass
class SyncResult:
    commit: str | None  # None: nothing changed, nothing committed
    pushed: bool
    files: list[str] = field(default_factory=list)
    push_attempts: int = 0
    rebased: bool = False

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


class GitWorkingCopy:
    """A working copy Loam writes into; cloned from the remote, or initialised, on first use."""

    def __init__(self, path: Path | str, *, remote: str = "", branch: str = "main") -> None:
        self.path = Path(path)
        self.remote = remote
        self.branch = branch

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            done = subprocess.run(
                ["git", "-c", "commit.gpgsign=false", *args],
                cwd=self.path,
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
        except FileNotFoundError:
            raise GitSyncFailed("git is not installed: Git sync needs the `git` command") from None
        except subprocess.TimeoutExpired:
            raise GitSyncFailed(f"git {args[0]} took longer than 120 s") from None
        if check and done.returncode != 0:
            raise GitSyncFailed(
                f"git {' '.join(args[:2])} failed in {self.path}: "
                f"{(done.stderr or done.stdout).strip().splitlines()[-1:] or ['no output']}"
            )
        return done

    def ensure(self) -> None:
        if (self.path / ".git").exists():
            return
        if self.remote:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            clone = subprocess.run(
                ["git", "clone", "--quiet", "--", self.remote, str(self.path)],
                capture_output=True,
                text=True,
                env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
                timeout=120,
            )
            if clone.returncode != 0:
                raise GitSyncFailed(
                    f"cannot clone {self.remote} into {self.path}: {clone.stderr.strip()}"
                )
            current = self.git("symbolic-ref", "--short", "HEAD", check=False).stdout.strip()
            if current != self.branch:
                self.git("checkout", "-q", "-B", self.branch)
            return
        self.path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", self.branch)

    def remote_has_branch(self) -> bool:
        out = self.git("ls-remote", "--heads", "origin", self.branch, check=False)
        return out.returncode == 0 and bool(out.stdout.strip())

    def catch_up(self) -> bool:
        """Rebase local work onto the remote branch; True if the remote had new commits."""
        if not self.remote or not self.remote_has_branch():
            return False
        self.git("fetch", "-q", "origin", self.branch)
        behind = self.git("rev-list", "--count", f"HEAD..origin/{self.branch}", check=False)
        if behind.returncode != 0:  # no local commit yet: start from the remote's
            self.git("reset", "-q", "--hard", f"origin/{self.branch}")
            return True
        if int(behind.stdout.strip() or 0) == 0:
            return False
        rebase = self.git("rebase", "-q", f"origin/{self.branch}", check=False)
        if rebase.returncode != 0:
            self.git("rebase", "--abort", check=False)
            raise GitSyncFailed(
                f"cannot rebase onto origin/{self.branch}: the same files were changed there "
                f"({rebase.stderr.strip().splitlines()[-1:]}); resolve it in {self.path}"
            )
        return True

    def commit(self, files: dict[str, str], *, message: str, author: str, email: str) -> str | None:
        """Write ``files`` (relative paths), commit them if anything changed; the new sha."""
        for rel, text in files.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_text() != text:
                target.write_text(text)
        self.git("add", "-A", "--", *sorted({str(Path(r).parts[0]) for r in files}))
        if self.git("diff", "--cached", "--quiet", check=False).returncode == 0:
            return None
        self.git(
            "-c",
            f"user.name={author}",
            "-c",
            f"user.email={email}",
            "commit",
            "-q",
            "--no-verify",
            "-m",
            message,
            f"--author={author} <{email}>",
        )
        return self.git("rev-parse", "HEAD").stdout.strip()

    def push(self) -> tuple[int, bool]:
        """Push, rebasing onto the remote after each rejection; (attempts, rebased)."""
        rebased = False
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            done = self.git("push", "-q", "origin", f"HEAD:refs/heads/{self.branch}", check=False)
            if done.returncode == 0:
                return attempt, rebased
            text = (done.stderr + done.stdout).lower()
            if not any(marker in text for marker in _REJECTED):
                raise GitSyncFailed(f"git push to {self.remote} failed: {done.stderr.strip()}")
            rebased = self.catch_up() or rebased
        raise GitSyncFailed(
            f"git push to {self.remote} was rejected {PUSH_ATTEMPTS} times: the remote keeps "
            "moving; try `loam events sync` again"
        )


def author_email(author: str, domain: str) -> str:
    if "@" in author:
        return author
    local = re.sub(r"[^A-Za-z0-9._+-]+", "-", author).strip("-.") or "loam"
    return f"{local}@{domain}"


def sync_files(
    settings: EventGitSettings,
    versions: Iterable[tuple[Any, str]],
    *,
    author: str,
    message: str,
    policy_tag: str,
) -> SyncResult:
    """Write the files of each ``(definition, version)`` and commit and push them."""
    if not settings.path:
        raise GitNotConfigured("Git sync is not configured: set [events.git] path in loam.toml")
    repo = GitWorkingCopy(settings.path, remote=settings.remote, branch=settings.branch)
    with _exclusive(Path(settings.path)):
        return _sync_locked(
            repo, settings, versions, author=author, message=message, policy_tag=policy_tag
        )


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """One sync at a time per working copy, across threads and processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = path.parent / f".{path.name}.loam-sync.lock"
    with _THREAD_LOCK, open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sync_locked(
    repo: GitWorkingCopy,
    settings: EventGitSettings,
    versions: Iterable[tuple[Any, str]],
    *,
    author: str,
    message: str,
    policy_tag: str,
) -> SyncResult:
    repo.ensure()
    rebased = repo.catch_up()
    files: dict[str, str] = {}
    for definition, version in versions:
        for name, text in event_files(definition, version, policy_tag=policy_tag).items():
            files[f"{settings.folder}/{definition.name}/{name}"] = text
    if not files:
        return SyncResult(None, False)
    sha = repo.commit(
        files, message=message, author=author, email=author_email(author, settings.email_domain)
    )
    attempts, pushed = 0, False
    if settings.remote and (sha is not None or _ahead(repo)):
        attempts, again = repo.push()
        pushed, rebased = True, rebased or again
        if again:
            sha = repo.git("rev-parse", "HEAD").stdout.strip() if sha else sha
    return SyncResult(sha, pushed, sorted(files) if sha else [], attempts, rebased)


def _ahead(repo: GitWorkingCopy) -> bool:
    """Local commits the remote lacks (a push that failed last time)."""
    if not repo.remote_has_branch():
        return repo.git("rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0
    out = repo.git("rev-list", "--count", f"origin/{repo.branch}..HEAD", check=False)
    return out.returncode == 0 and int(out.stdout.strip() or 0) > 0
