"""The suite's own guard rails (issue 19): a test that patches a process-wide global fails by name, and
a shared server killed by one test is reported against that test, not as connection errors later."""

from __future__ import annotations

import pytest

from core.settings import ROOT

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _project_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


CONFTEST = """
from tests.conftest import pytest_runtest_call, _servers_survive_the_test  # noqa: F401
"""


def test_patching_asyncio_sleep_fails_the_test_that_did_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import asyncio

        def test_patches(monkeypatch):
            async def fake(seconds):
                return None
            monkeypatch.setattr(asyncio, "sleep", fake)

        def test_innocent():
            assert True
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_patches changed process-wide state*asyncio.sleep*"])


def test_a_killed_shared_server_names_its_killer(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import asyncio
        import time

        import httpx
        import pytest
        from fastapi import FastAPI

        from tests.support import check_alive, serve


        @pytest.fixture(scope="session")
        def shared():
            app = FastAPI()

            @app.get("/")
            def root():
                return {"ok": True}

            with serve(app) as url:
                yield url


        @pytest.fixture
        def server(shared):
            check_alive(shared)
            return shared


        def test_first(server):
            assert httpx.get(server).status_code == 200


        def test_kills_it(shared):
            class Stop(Exception):
                pass

            async def stop(seconds):
                raise Stop("patched sleep")

            original = asyncio.sleep
            asyncio.sleep = stop
            try:
                time.sleep(0.5)  # uvicorn's main loop sleeps 0.1 s between ticks
            finally:
                asyncio.sleep = original


        def test_later(server):
            assert httpx.get(server).status_code == 200
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # The killer restored the global itself, so only the dead server gives it away: its teardown errors,
    # and the next test that wants the server is refused at once with the killer's name.
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_kills_it*",
            "E *AssertionError: the test server at http://127.0.0.1:* died during *::test_kills_it (call): *Stop: patched sleep",
            "*ERROR at setup of test_later*",
            "E *RuntimeError: the test server at * died during *::test_kills_it (call)*",
        ]
    )
