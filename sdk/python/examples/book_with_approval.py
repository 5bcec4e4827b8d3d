"""Book through the assistant: it asks for approval first, and only an approval books.

The first request pauses the run with an approval request (the offer, the hours, the estimated total);
the second answers it on the same thread with ``resume={"approved": True}``. The booking then goes to
the provider (the sandbox provider unless the team set up another) and becomes ``active``. Run in a
terminal, it asks you; otherwise (CI) it approves.

    GPUBROKER_URL=... GPUBROKER_API_KEY=gbk_... python book_with_approval.py "book the cheapest H100 for 2 hours"
"""

from __future__ import annotations

import sys
import time

from common import client_from_env, ok
from gpubroker_client.api.assistant import chat
from gpubroker_client.api.bookings import get_booking
from gpubroker_client.models import ChatRequest, Resume

prompt = " ".join(sys.argv[1:]) or "book the cheapest H100 for 2 hours"
with client_from_env() as client:
    asked = ok(chat.sync(client=client, body=ChatRequest(prompt=prompt)))
    if not asked.approval:
        sys.exit(f"the assistant asked nothing to approve: {asked.summary}")
    approval = asked.approval.to_dict()
    print(f"approval asked: {approval['question']}")
    print(
        f"  offer {approval['offer_id']}, {approval['hours']:g} h, about ${approval['estimated_total']:,.2f}"
    )
    approved = input("approve? [y/N] ").strip().lower() == "y" if sys.stdin.isatty() else True
    print("approved" if approved else "declined")

    done = ok(
        chat.sync(
            client=client, body=ChatRequest(thread_id=asked.thread_id, resume=Resume(approved=approved))
        )
    )
    print(done.summary)
    if not done.booking:
        sys.exit(0)
    booking_id = str(done.booking.to_dict()["id"])
    deadline = time.monotonic() + 60
    while True:
        booking = ok(get_booking.sync(booking_id, client=client))
        print(f"booking {booking.id}: {booking.state}")
        if booking.state in ("active", "failed", "cancelled") or time.monotonic() > deadline:
            break
        time.sleep(1)
