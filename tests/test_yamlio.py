"""The YAML reader rejects hostile files quickly and reports where the problem is."""

from __future__ import annotations

import time

import pytest

from derdir.recipes.yamlio import MAX_BYTES, YamlError, load_yaml


def err(raw: bytes) -> YamlError:
    with pytest.raises(YamlError) as info:
        load_yaml(raw)
    return info.value


def test_positions_are_one_based_lines_and_columns() -> None:
    doc = load_yaml(b"name: x\npower:\n  energy_monitoring: true\n")
    assert doc.data == {"name": "x", "power": {"energy_monitoring": True}}
    assert doc.position(("power", "energy_monitoring")) == (3, 3)
    assert doc.position(("power", "missing")) == (2, 1)


def test_syntax_error_has_its_line() -> None:
    e = err(b"name: x\nmodels: [a, b\nother: 1\n")
    assert e.message.startswith("YAML syntax") and e.line == 3


def test_duplicate_key_is_an_error_at_the_second_key() -> None:
    e = err(b"name: a\nbrand: b\nname: c\n")
    assert "duplicate key 'name'" in e.message and (e.line, e.column) == (3, 1)


def test_alias_bomb_is_rejected_fast() -> None:
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n".encode()
        for i in range(20))
    start = time.process_time()  # CPU time: the work done, whatever else the machine is doing
    e = err(bomb)
    assert "aliases are not allowed" in e.message
    assert time.process_time() - start < 1.0


def test_merge_keys_are_rejected() -> None:
    assert "merge keys" in err(b"thing:\n  <<: {x: 1}\n").message


def test_non_utf8_reports_the_byte_position() -> None:
    e = err(b"name: ok\nbrand: caf\xe9\n")
    assert e.message == "file is not valid UTF-8" and (e.line, e.column) == (2, 11)


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"# only a comment\n"])
def test_empty_files(raw: bytes) -> None:
    assert err(raw).message in ("file is empty", "file has no YAML document")


def test_huge_file_rejected_before_parsing() -> None:
    e = err(b"a: " + b"x" * (MAX_BYTES + 1))
    assert "limited to" in e.message


def test_deep_nesting_is_bounded() -> None:
    e = err(b"a: " + b"[" * 200 + b"]" * 200 + b"\n")
    assert "nesting deeper" in e.message


def test_top_level_must_be_a_mapping() -> None:
    assert "must be a mapping" in err(b"- a\n- b\n").message


def test_multiple_documents_rejected() -> None:
    assert "YAML syntax" in err(b"a: 1\n---\nb: 2\n").message
