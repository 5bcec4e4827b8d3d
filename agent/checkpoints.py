"""Copying a thread's checkpoints, and taking a run's checkpoints back out (``rollback``).

The SQLite and PostgreSQL savers have neither ``acopy_thread`` nor ``adelete_for_runs``, so both are built
from the saver's public calls: read the source thread's checkpoints oldest first (``alist``), write each
under the target thread with its parent (``aput``) and its pending writes (``aput_writes``). A rollback
copies the thread without the run's checkpoints (each checkpoint's metadata names its run) into a scratch
thread, empties the thread and copies them back; the head the run started from gets back exactly the
pending writes it had then (a resumed run adds its own to it). Runs of one thread never overlap (the
run manager starts one at a time), so nothing writes the thread meanwhile.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig


def _config(thread_id: str, ns: str, checkpoint_id: str | None = None) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


async def copy_thread(
    saver: Any,
    source: str,
    target: str,
    *,
    keep: Callable[[Any], bool] | None = None,
    writes_of: dict[str, set[tuple[str, str]]] | None = None,
) -> int:
    """Copies ``source``'s checkpoints (those ``keep`` accepts) to ``target``; returns how many.
    ``writes_of`` limits the pending writes copied for the named checkpoint ids to those (task, channel)."""
    tuples = [t async for t in saver.alist({"configurable": {"thread_id": source}})]
    copied = 0
    for item in reversed(tuples):  # oldest first, so each parent exists before its child
        if keep is not None and not keep(item):
            continue
        cfg = item.config["configurable"]
        ns = cfg.get("checkpoint_ns", "")
        parent = (item.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        checkpoint = item.checkpoint
        new_config = await saver.aput(
            _config(target, ns, parent),
            checkpoint,
            item.metadata,
            dict(checkpoint.get("channel_versions", {})),
        )
        allowed = (writes_of or {}).get(checkpoint["id"])
        by_task: dict[str, list[tuple[str, Any]]] = {}
        for task_id, channel, value in item.pending_writes or ():
            if allowed is not None and (task_id, channel) not in allowed:
                continue
            by_task.setdefault(task_id, []).append((channel, value))
        for task_id, writes in by_task.items():
            await saver.aput_writes(new_config, writes, task_id)
        copied += 1
    return copied


async def head_writes(saver: Any, thread_id: str) -> tuple[str | None, set[tuple[str, str]]]:
    """The thread's head checkpoint id and its pending writes as (task, channel), before a run starts."""
    item = await saver.aget_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if item is None:
        return None, set()
    return item.checkpoint["id"], {(t, c) for t, c, _ in item.pending_writes or ()}


async def rollback(
    saver: Any, thread_id: str, run_id: str, head: tuple[str | None, set[tuple[str, str]]]
) -> None:
    """Takes ``run_id``'s checkpoints out of the thread, which goes back to the head it started from."""
    scratch = f"rollback-{uuid.uuid4()}"
    head_id, head_pending = head
    writes_of = {head_id: head_pending} if head_id else None
    await copy_thread(
        saver,
        thread_id,
        scratch,
        keep=lambda item: str((item.metadata or {}).get("run_id", "")) != run_id,
        writes_of=writes_of,
    )
    await saver.adelete_thread(thread_id)
    await copy_thread(saver, scratch, thread_id)
    await saver.adelete_thread(scratch)
