"""The demo hook: the sandbox it starts, configured by the environment it sets, completes a real connect."""

from __future__ import annotations

import dataclasses
import subprocess

import httpx
import pytest

from flightbridge.myflightbook import demo
from flightbridge.myflightbook.models import IntegrationToken
from flightbridge.web.management.commands.demo import DemoContext
from tests.conftest import REPO_ROOT, child_env, wait_for
from tests.myflightbook.link_steps import consent, flash, start

pytestmark = [pytest.mark.django_db, pytest.mark.multiprocess]


def test_demo_sandbox_accepts_a_connect_from_the_configured_service(user, client, settings, tmp_path):
    context = DemoContext(host="127.0.0.1", port=8000, data_dir=tmp_path, pilot=user)
    IntegrationToken.objects.create(owner=user)  # left over from an earlier demo run
    demo.prepare(context)
    assert not IntegrationToken.objects.filter(owner=user).exists()
    env = context.env
    assert env["MFB_CLIENT_ID"] == demo.DEMO_CLIENT_ID and env["MFB_BASE_URL"].startswith("http://127.0.0.1:")
    argv = context.processes["MyFlightbook sandbox"]
    assert env["MFB_CLIENT_SECRET"] not in argv  # the secret travels in the environment only
    sandbox = subprocess.Popen(argv, env=child_env(**env), cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        def up():
            try:
                return httpx.get(env["MFB_BASE_URL"] + "/sandbox/state").json()
            except httpx.HTTPError:
                return None

        state = wait_for(up, 30, message="the demo sandbox to answer")
        assert state["client_id"] == demo.DEMO_CLIENT_ID and state["flights"] == demo.DEMO_FLIGHTS
        settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_client_id=env["MFB_CLIENT_ID"],
                                              mfb_client_secret=env["MFB_CLIENT_SECRET"], mfb_base_url=env["MFB_BASE_URL"])
        settings.PUBLIC_URL = context.public_url
        client.force_login(user)

        class Remote:
            url = env["MFB_BASE_URL"]

        response = client.get(consent(Remote, start(client)))
        assert any("connected" in message for message in flash(response)), flash(response)
        assert IntegrationToken.objects.get(owner=user).status == "connected"
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=15)
