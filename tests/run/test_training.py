"""The fine-tuning job: payload, documented ranges, and submission to a loopback service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import graderkit as gk
from graderkit._run.datasets.data_files import DataError
from graderkit._run.judge.retry import RetryPolicy
from graderkit._run.workflow.service_calls import ServiceClient, ServiceError
from graderkit._run.workflow.training_jobs import (
    HYPERPARAMETERS,
    JobError,
    build_job,
    check_hyperparameters,
    file_reference,
    response_format_for,
    submit_job,
)
from graderkit.cli import main
from graderkit.testing.fake_openai import FakeOpenAI, HTTPError

ROOT = Path(__file__).resolve().parents[2]
ITEMS = ROOT / "examples" / "clinical" / "items.jsonl"
exact = gk.string_check("{{ sample.output_text }}", "{{ item.reference_answer }}", name="exact")
fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.reference_answer }}", name="fuzzy")
clinical = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")
SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}

# (target, name, accepted values, rejected values): the documented bounds and one step past.
RANGES = [
    ("openai", "batch_size", ["auto", 1, 256], [0, 257, 2.0, "8", True]),
    ("openai", "learning_rate_multiplier", ["auto", 1e-9, 2, 0.5], [0, -1.0, "x"]),
    ("openai", "n_epochs", ["auto", 1, 50], [0, 51, 1.5]),
    ("openai", "reasoning_effort", ["default", "low", "medium", "high"], ["auto", "max", None]),
    ("openai", "compute_multiplier", ["auto", 0.0000101, 10, 10.0], [0.00001, 10.0001, 0]),
    ("openai", "eval_interval", ["auto", 1, 1000], [0, -1]),
    ("openai", "eval_samples", ["auto", 1, 1000], [0]),
    ("azure", "compute_multiplier", [0.5, 3.0, "auto"], [0.49, 3.01, 10]),
    ("azure", "eval_interval", [1, 25], [0, 26]),
    ("azure", "eval_samples", [1, 10], [0, 11]),
    ("azure", "n_epochs", [1, 50], [51]),
]


@pytest.mark.parametrize(
    ("target", "name", "good", "bad"), RANGES, ids=[f"{t}-{n}" for t, n, _, _ in RANGES]
)
def test_documented_ranges(target: Any, name: str, good: list[Any], bad: list[Any]) -> None:
    for value in good:
        assert check_hyperparameters({name: value}, target=target) == {name: value}
    for value in bad:
        with pytest.raises(JobError, match=rf"hyperparameters\.{name}={value!r} is out of range"):
            check_hyperparameters({name: value}, target=target)


def test_every_documented_hyperparameter_has_a_rule() -> None:
    documented = {
        "batch_size", "learning_rate_multiplier", "n_epochs", "reasoning_effort",
        "compute_multiplier", "eval_interval", "eval_samples",
    }  # fmt: skip
    assert set(HYPERPARAMETERS["openai"]) == set(HYPERPARAMETERS["azure"]) == documented


def test_an_unknown_hyperparameter_suggests_the_right_one() -> None:
    with pytest.raises(JobError, match="did you mean 'n_epochs'"):
        check_hyperparameters({"n_epoch": 3})


def test_the_payload_has_the_documented_shape() -> None:
    job = build_job(
        clinical,
        model="o4-mini-2025-04-16",
        training_file="file-train",
        validation_file="file-valid",
        hyperparameters={"n_epochs": 2, "eval_samples": 3, "reasoning_effort": "medium"},
        response_format=SCHEMA,
        seed=42,
        suffix="clinical",
        metadata={"project": "cookbook"},
    )
    assert job == {
        "model": "o4-mini-2025-04-16",
        "training_file": "file-train",
        "validation_file": "file-valid",
        "method": {
            "type": "reinforcement",
            "reinforcement": {
                "grader": gk.to_openai(clinical, "fine_tuning"),
                "hyperparameters": {"n_epochs": 2, "eval_samples": 3, "reasoning_effort": "medium"},
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "response", "schema": SCHEMA, "strict": True},
                },
            },
        },
        "seed": 42,
        "suffix": "clinical",
        "metadata": {"project": "cookbook"},
    }
    minimal = build_job(exact, model="o4-mini", training_file="file-t")
    assert minimal == {
        "model": "o4-mini",
        "training_file": "file-t",
        "method": {"type": "reinforcement", "reinforcement": {"grader": gk.to_openai(exact)}},
    }


def test_grader_json_is_accepted_and_round_trips() -> None:
    wire = gk.to_openai(clinical)
    job = build_job(wire, model="o4-mini", training_file="file-t")
    assert job["method"]["reinforcement"]["grader"] == wire


@pytest.mark.parametrize(
    "given",
    [
        SCHEMA,
        {"type": "json_schema", "json_schema": {"name": "response", "schema": SCHEMA}},
        {"type": "json_schema", "name": "response", "schema": SCHEMA, "strict": True},
    ],
    ids=["bare schema", "openai shape", "azure shape"],
)
def test_response_format_takes_either_shape_and_emits_the_targets(given: dict[str, Any]) -> None:
    assert response_format_for(given, target="openai") == {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": SCHEMA, "strict": True},
    }
    assert response_format_for(given, target="azure") == {
        "type": "json_schema", "name": "response", "schema": SCHEMA, "strict": True,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "azure"}, "Azure OpenAI needs a validation_file"),
        ({"suffix": "x" * 65}, "suffix="),
        ({"model": ""}, "model must name"),
        ({"metadata": {"k": 1}}, "metadata"),
        ({"response_format": {"type": "json_schema", "name": "bad name", "schema": {}}}, "name="),
        ({"response_format": {"type": "json_schema", "name": "n"}}, "no JSON 'schema'"),
    ],
)
def test_local_mistakes_raise(kwargs: dict[str, Any], message: str) -> None:
    options: dict[str, Any] = {"model": "o4-mini", "training_file": "file-t", **kwargs}
    with pytest.raises(JobError, match=message):
        build_job(exact, **options)


def test_a_label_model_cannot_be_the_training_grader() -> None:
    labels = gk.label_model(
        "Is {{ sample.output_text }} right?", model="gpt-4.1", labels=["yes", "no"],
        passing_labels=["yes"], name="judge",
    )  # fmt: skip
    with pytest.raises(gk.InvalidGrader):
        build_job(labels, model="o4-mini", training_file="file-t")


def test_file_references(tmp_path: Path) -> None:
    assert file_reference(str(ITEMS), grader=clinical) == ITEMS
    assert file_reference("file-Abc_123") == "file-Abc_123"
    with pytest.raises(JobError, match="neither a local file"):
        file_reference("ftjob-abc")
    with pytest.raises(DataError, match=r"missing\.jsonl: no such file"):
        file_reference("missing.jsonl")
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"messages": []}) + "\n")
    with pytest.raises(JobError, match="'messages' is empty"):
        file_reference(str(rows))
    many = tmp_path / "many.jsonl"
    many.write_text(
        "".join(
            json.dumps({"id": i, "messages": [{"role": "user", "content": "q"}]}) + "\n"
            for i in range(1001)
        )
    )
    assert file_reference(str(many)) == many
    with pytest.raises(JobError, match="at most 1,000"):
        file_reference(str(many), role="validation_file")


def test_every_item_variable_the_grader_reads_must_be_in_every_row(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"id": "a", "messages": [{"role": "user", "content": "q"}]}) + "\n")
    with pytest.raises(JobError, match="reference_answer"):
        file_reference(str(rows), grader=exact)
    with FakeOpenAI() as server:
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        with pytest.raises(JobError, match="not ready for training"):
            submit_job(exact, client=client, model="o4-mini", training_file=str(rows))
        assert server.service_requests == []  # nothing was sent


# ---- submission, against the loopback service -------------------------------------------------


def test_submit_validates_uploads_and_creates(tmp_path: Path) -> None:
    valid = tmp_path / "valid.jsonl"
    valid.write_text("\n".join(ITEMS.read_text().splitlines()[:5]) + "\n")
    with FakeOpenAI() as server:
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        done = submit_job(
            clinical, client=client, model="o4-mini-2025-04-16", training_file=str(ITEMS),
            validation_file=str(valid), hyperparameters={"n_epochs": 1},
        )  # fmt: skip
        routes = [r.route for r in server.service_requests]
        files, jobs = server.files, server.jobs
        assert server.request_count == 0  # no model call was made
    assert routes == ["graders_validate", "files", "files", "jobs_create"]
    train_id, valid_id = done.uploaded[str(ITEMS)], done.uploaded[str(valid)]
    assert files[train_id].content == ITEMS.read_bytes() and files[train_id].purpose == "fine-tune"
    assert files[valid_id].content == valid.read_bytes()
    assert done.payload["training_file"] == train_id and done.payload["validation_file"] == valid_id
    assert jobs[done.job["id"]]["method"] == done.payload["method"]
    assert done.validated is not None and done.validated["grader"] == gk.to_openai(clinical)
    assert done.job["status"] == "validating_files"


def test_a_grader_the_service_rejects_uploads_nothing() -> None:
    with FakeOpenAI() as server:
        server.graders_validate = lambda body: HTTPError(400, "Invalid type for 'grader.input'")
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        with pytest.raises(ServiceError, match="Invalid type") as caught:
            submit_job(exact, client=client, model="o4-mini", training_file=str(ITEMS))
        assert caught.value.status == 400
        assert [r.route for r in server.service_requests] == ["graders_validate"]


def test_no_validate_route_is_a_note_not_a_failure() -> None:
    with FakeOpenAI() as server:
        server.graders_validate = lambda body: HTTPError(404, "Not found")
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        done = submit_job(exact, client=client, model="o4-mini", training_file=str(ITEMS))
    assert done.validated is None and "no graders/validate route" in done.notes[0]
    assert done.job["id"].startswith("ftjob-")


def test_rate_limits_are_retried() -> None:
    with FakeOpenAI() as server:
        server.enqueue_service(
            HTTPError(429, "slow down", headers={"retry-after": "0.01"}), HTTPError(503)
        )
        client = ServiceClient.from_env(
            base_url=server.base_url, api_key="sk-test", retry=RetryPolicy(base_delay=0.01)
        )
        done = submit_job(exact, client=client, model="o4-mini", training_file=str(ITEMS))
        assert [r.route for r in server.service_requests].count("graders_validate") == 3
    assert done.job["id"].startswith("ftjob-")


def test_an_unknown_file_id_is_refused_by_the_service() -> None:
    with FakeOpenAI() as server:
        client = ServiceClient.from_env(base_url=server.base_url, api_key="sk-test")
        with pytest.raises(ServiceError, match="training_file"):
            submit_job(exact, client=client, model="o4-mini", training_file="file-nothere")


def test_azure_gets_its_paths_its_shapes_and_its_ranges() -> None:
    with FakeOpenAI() as server:
        client = ServiceClient.from_env(
            azure_endpoint=server.azure_endpoint, api_key="k", api_version="2025-04-01-preview"
        )
        done = submit_job(
            exact, client=client, model="o4-mini", training_file=str(ITEMS),
            validation_file=str(ITEMS), response_format=SCHEMA,
            hyperparameters={"eval_samples": 10},
        )  # fmt: skip
        requests = server.service_requests
        with pytest.raises(JobError, match="eval_samples=11"):  # Azure's range, from the client
            submit_job(
                exact, client=client, model="o4-mini", training_file="file-a",
                validation_file="file-b", hyperparameters={"eval_samples": 11},
            )  # fmt: skip
        assert len(server.service_requests) == len(requests)  # refused before sending
    assert all(r.path.startswith("/openai/") for r in requests)
    assert {r.query.get("api-version") for r in requests} == {"2025-04-01-preview"}
    assert done.payload["method"]["reinforcement"]["response_format"] == {
        "type": "json_schema", "name": "response", "schema": SCHEMA, "strict": True,
    }  # fmt: skip


# ---- the command ----------------------------------------------------------------------------


def test_dry_run_prints_the_payload(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([
        "job", "examples/clinical/graders.py:clinical_local", "--training-file", str(ITEMS),
        "--validation-file", "file-v", "--n-epochs", "2", "--compute-multiplier", "1.5",
        "--reasoning-effort", "medium", "--seed", "7", "--dry-run",
    ])  # fmt: skip
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    reinforcement = printed["method"]["reinforcement"]
    assert reinforcement["hyperparameters"] == {
        "n_epochs": 2, "reasoning_effort": "medium", "compute_multiplier": 1.5,
    }  # fmt: skip
    assert printed["training_file"] == str(ITEMS) and printed["seed"] == 7
    assert reinforcement["grader"]["name"] == "clinical_local"


def test_the_command_refuses_an_out_of_range_value(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["job", "examples/clinical/graders.py:exact", "--training-file", "file-t",
                 "--eval-samples", "11", "--target", "azure", "--validation-file", "file-v",
                 "--dry-run"])  # fmt: skip
    assert code == 2 and "eval_samples=11" in capsys.readouterr().err


def test_the_command_submits(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAI() as server:
        code = main([
            "job", "examples/clinical/graders.py:clinical_local", "--training-file", str(ITEMS),
            "--base-url", server.base_url,
        ])  # fmt: skip
        jobs = server.jobs
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out)["id"] in jobs
    assert "uploaded" in captured.err
