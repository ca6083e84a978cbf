"""Git sync against a real local bare repository, with another clone pushing concurrently."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from loam.capabilities import migration_folders
from loam.config import EventGitSettings, EventsSettings
from loam.core.catalog import Catalog
from loam.events import EventRegistry, GitSyncFailed
from loam.events.gitsync import GitWorkingCopy
from tests.events.conftest import load_fixture


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Other", "-c", "user.email=other@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "remote.git"
    path.mkdir()
    git(path, "init", "-q", "--bare", "-b", "main")
    return path


def registry(tmp_path: Path, remote: Path | None) -> EventRegistry:
    cat = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}", migrations=migration_folders())
    cat.migrate()
    settings = EventsSettings(
        git=EventGitSettings(path=str(tmp_path / "wc"), remote=str(remote or ""), branch="main")
    )
    return EventRegistry(cat, settings)


def remote_log(remote: Path) -> list[str]:
    return git(remote, "log", "--format=%an <%ae>|%s", "main").splitlines()


def test_save_commits_one_folder_per_event_and_pushes(tmp_path: Path, remote: Path) -> None:
    reg = registry(tmp_path, remote)
    result = reg.save(load_fixture("click_item_home.yaml"), author="ana", message="first")
    assert result.git is not None and result.git["ok"] and result.git["pushed"]
    assert remote_log(remote) == ["ana <ana@loam.local>|click_item_home 1-0-0 (additive): first"]
    files = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert files == [
        f"events/click_item_home/{f}"
        for f in ("bigquery.json", "event.yaml", "jsonschema.json", "spark.json")
    ]
    spark = git(remote, "show", "main:events/click_item_home/spark.json")
    assert spark.startswith('{"fields":[{"metadata":{"description":"The item that was tapped."}')


def test_no_change_no_commit_and_one_commit_per_change(tmp_path: Path, remote: Path) -> None:
    reg = registry(tmp_path, remote)
    reg.save(load_fixture("click_item_home.yaml"), author="ana")
    assert reg.sync(author="ana").commit is None
    again = reg.save(load_fixture("click_item_home.yaml"), author="ana")
    assert not again.changed and again.git is None
    data = load_fixture("click_item_home.yaml")
    data["params"].append({"name": "ref", "type": "string"})
    edited = reg.save(data, author="bo", message="add ref")
    assert edited.git is not None and edited.git["commit"]
    assert [line.split("|")[0] for line in remote_log(remote)] == [
        "bo <bo@loam.local>",
        "ana <ana@loam.local>",
    ]
    assert reg.sync(author="bo").commit is None
    assert len(remote_log(remote)) == 2


def test_rejected_push_is_rebased_and_retried_never_forced(tmp_path: Path, remote: Path) -> None:
    reg = registry(tmp_path, remote)
    reg.save(load_fixture("click_item_home.yaml"), author="ana")
    repo = GitWorkingCopy(tmp_path / "wc", remote=str(remote), branch="main")
    # Loam commits locally; meanwhile someone else pushes to the remote.
    sha = repo.commit(
        {"events/x/event.yaml": "name: x\n"},
        message="loam change",
        author="ana",
        email="ana@loam.local",
    )
    assert sha is not None
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "README.md").write_text("event schemas\n")
    git(other, "add", "README.md")
    git(other, "commit", "-q", "-m", "docs from another clone")
    git(other, "push", "-q", "origin", "main")
    theirs = git(other, "rev-parse", "HEAD")
    attempts, rebased = repo.push()
    assert attempts == 2 and rebased
    log = remote_log(remote)
    assert [line.split("|")[1] for line in log] == [
        "loam change",
        "docs from another clone",
        "click_item_home 1-0-0 (additive)",
    ]
    # Their commit is still in the remote's history: nothing was overwritten.
    ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", theirs, "main"], cwd=remote)
    assert ancestor.returncode == 0


def test_sync_catches_up_with_a_remote_that_moved(tmp_path: Path, remote: Path) -> None:
    reg = registry(tmp_path, remote)
    reg.save(load_fixture("click_item_home.yaml"), author="ana")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "README.md").write_text("hello\n")
    git(other, "add", "README.md")
    git(other, "commit", "-q", "-m", "readme")
    git(other, "push", "-q", "origin", "main")
    data = load_fixture("click_item_home.yaml")
    data["params"].append({"name": "ref", "type": "string"})
    result = reg.save(data, author="bo")
    assert result.git is not None and result.git["ok"] and result.git["rebased"]
    assert [line.split("|")[1] for line in remote_log(remote)][:2] == [
        "click_item_home 1-0-1 (additive)",
        "readme",
    ]


def test_conflicting_remote_change_is_reported_not_forced(tmp_path: Path, remote: Path) -> None:
    reg = registry(tmp_path, remote)
    reg.save(load_fixture("click_item_home.yaml"), author="ana")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    target = other / "events" / "click_item_home" / "event.yaml"
    target.write_text("hand edited\n")
    git(other, "commit", "-q", "-am", "hand edit")
    git(other, "push", "-q", "origin", "main")
    repo = GitWorkingCopy(tmp_path / "wc", remote=str(remote), branch="main")
    repo.commit(
        {"events/click_item_home/event.yaml": "loam version\n"},
        message="loam",
        author="ana",
        email="ana@loam.local",
    )
    with pytest.raises(GitSyncFailed, match="cannot rebase"):
        repo.push()
    assert git(remote, "show", "main:events/click_item_home/event.yaml") == "hand edited"


def test_without_a_remote_it_only_commits(tmp_path: Path) -> None:
    reg = registry(tmp_path, None)
    result = reg.save(load_fixture("click_item_home.yaml"), author="ana")
    assert result.git is not None and result.git["commit"] and not result.git["pushed"]
    assert git(tmp_path / "wc", "log", "--format=%an", "-1") == "ana"


def test_a_git_failure_does_not_lose_the_saved_version(tmp_path: Path) -> None:
    reg = registry(tmp_path, tmp_path / "no-such-remote.git")
    result = reg.save(load_fixture("click_item_home.yaml"), author="ana")
    assert result.git is not None and not result.git["ok"]
    assert "cannot clone" in result.git["error"]
    assert reg.get("click_item_home").version == "1-0-0"


def test_saves_from_two_threads_both_reach_the_remote(tmp_path: Path, remote: Path) -> None:
    import threading

    reg = registry(tmp_path, remote)
    results: list[dict[str, object] | None] = []

    def save(name: str) -> None:
        results.append(reg.save({"name": name, "owner": "t"}, author=name.split("_")[0]).git)

    threads = [
        threading.Thread(target=save, args=(n,)) for n in ("view_item_home", "pay_order_checkout")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None and r["ok"] for r in results), results
    files = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert {f.split("/")[1] for f in files} == {"view_item_home", "pay_order_checkout"}
    assert len(remote_log(remote)) == 2
