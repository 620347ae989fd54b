"""No Docker engine runs here, so the compose file is checked against the code and config:
every service, dependency, port and environment variable it names must line up."""
from __future__ import annotations

import importlib
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from services.ops.system import SERVICE_CLASSES, SERVICES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
CONFIG_TEXT = (ROOT / "config.yml").read_text()
CONFIG_VARS = set(re.findall(r"\$\{([A-Z0-9_]+):", CONFIG_TEXT))
SERVICES_IN_COMPOSE = COMPOSE["services"]
INIT_SQL = (ROOT / "deploy" / "postgres-init.sql").read_text()


def env_of(name: str) -> dict[str, str]:
    return {k: str(v) for k, v in (SERVICES_IN_COMPOSE[name].get("environment") or {}).items()}


def published_ports(name: str) -> set[int]:
    return {int(str(p).split(":")[-1].split("/")[0]) for p in SERVICES_IN_COMPOSE[name].get("ports", [])}


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_runs_its_own_module(service):
    spec = SERVICES_IN_COMPOSE[service]
    command = spec["command"]
    assert command[:4] == ["nameko", "run", "--config", "config.yml"]
    assert command[4] == SERVICE_CLASSES[service]
    module, _, class_name = command[4].partition(":")
    assert getattr(importlib.import_module(module), class_name).name == service
    assert spec["depends_on"]["init"]["condition"] == "service_completed_successfully"


def test_init_migrates_and_declares_topology_after_broker_and_database():
    init = SERVICES_IN_COMPOSE["init"]
    assert "niot migrate" in " ".join(init["command"]) and "niot topology" in " ".join(init["command"])
    assert set(init["depends_on"]) == {"rabbitmq", "postgres"}


def test_dependencies_name_existing_services():
    for name, spec in SERVICES_IN_COMPOSE.items():
        for dependency in spec.get("depends_on") or {}:
            assert dependency in SERVICES_IN_COMPOSE, f"{name} depends on unknown {dependency}"


@pytest.mark.parametrize("service", [*SERVICES, "init"])
def test_environment_variables_are_read_by_config(service):
    unknown = set(env_of(service)) - CONFIG_VARS
    assert not unknown, f"{service} sets {unknown}, which config.yml never reads"


@pytest.mark.parametrize("service", SERVICES)
def test_each_database_url_points_at_a_created_database(service):
    env = env_of(service)
    for owner in SERVICES:
        variable = f"{owner.upper()}_DB_URI"
        assert f"${{{variable}:" in CONFIG_TEXT, f"config.yml does not read {variable}"
        url = urlparse(env[variable])
        assert url.scheme == "postgresql" and url.hostname == "postgres"
        database = url.path.lstrip("/")
        assert database == owner and f"CREATE DATABASE {database};" in INIT_SQL
        assert url.username == SERVICES_IN_COMPOSE["postgres"]["environment"]["POSTGRES_USER"]


@pytest.mark.parametrize("service", SERVICES)
def test_broker_and_mail_hosts_are_compose_services_with_those_ports(service):
    env = env_of(service)
    broker = urlparse(env["AMQP_URI"])
    assert broker.hostname in SERVICES_IN_COMPOSE and broker.port in published_ports(broker.hostname)
    assert env["SMTP_HOST"] in SERVICES_IN_COMPOSE
    assert int(env["SMTP_PORT"]) in published_ports(env["SMTP_HOST"])


@pytest.mark.parametrize("service", SERVICES)
def test_the_replicas_profile_runs_a_second_instance_of_each_the_same_way(service):
    second = SERVICES_IN_COMPOSE[f"{service}-2"]
    assert second["profiles"] == ["replicas"] and second["command"] == SERVICES_IN_COMPOSE[service]["command"]
    assert second["depends_on"] == SERVICES_IN_COMPOSE[service]["depends_on"]
    same = {k: v for k, v in env_of(f"{service}-2").items() if k != "GATEWAY_ADDRESS"}
    assert same == {k: v for k, v in env_of(service).items() if k != "GATEWAY_ADDRESS"}
    if service == "gateway":
        port = int(env_of("gateway-2")["GATEWAY_ADDRESS"].rsplit(":", 1)[1])
        assert port in published_ports("gateway-2") and port not in published_ports("gateway")


def test_gateway_listens_where_it_is_published():
    port = int(env_of("gateway")["GATEWAY_ADDRESS"].rsplit(":", 1)[1])
    assert port in published_ports("gateway")
    assert "${GATEWAY_ADDRESS:" in CONFIG_TEXT


def test_dockerfile_installs_the_project_and_its_config():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY services ./services" in dockerfile
    assert "COPY config.yml ./config.yml" in dockerfile
    assert "pip install" in dockerfile
