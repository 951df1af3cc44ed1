import requests
from conftest import DEMO_PASSWORD, DEMO_USER


def test_reference_server_fixture_logs_in_and_reports_health(reference_server):
    tokens = requests.post(
        f"{reference_server.url}/api/v1/token/",
        json={"username": DEMO_USER, "password": DEMO_PASSWORD},
        timeout=5,
    ).json()
    health = requests.get(
        f"{reference_server.url}/api/v1/sync/health/",
        headers={"Authorization": f"Bearer {tokens['access']}"},
        timeout=5,
    )
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
