"""Filename patterns: `*` any sequence, `?` exactly one character, nothing else is special, case counts;
and a poll of a real folder records exactly the files that match."""

import pytest

from engine.sftp import services
from engine.sftp.models import SftpFile
from engine.sftp.patterns import matches


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("*.csv", "orders.csv", True),
        ("*.csv", ".csv", True),
        ("*.csv", "orders.tsv", False),
        ("*.csv", "orders.csv.part", False),
        ("J???Data.csv", "JuneData.csv", True),
        ("J???Data.csv", "JulyData.csv", True),
        ("J???Data.csv", "Jun.csv", False),
        ("J???Data.csv", "JunData.csv", False),
        ("J???Data.csv", "june_Data.csv", False),
        ("J???Data.csv", "junedata.csv", False),  # case counts
        ("Report[1].csv", "Report[1].csv", True),  # no character sets, unlike fnmatch
        ("Report[1].csv", "Report1.csv", False),
        ("a.b", "axb", False),  # a dot is a dot
        ("", "anything.txt", True),  # the pattern is optional
    ],
)
def test_pattern(pattern, name, expected):
    assert matches(pattern, name) is expected


@pytest.mark.django_db
def test_a_poll_records_only_the_files_that_match(sftp_flow, folder):
    for name in ("JuneData.csv", "JulyData.csv", "Jun.csv", "JuneData.tsv", "notes.txt"):
        folder.write(name, "Phone\n+32470000001\n")
    (folder.local / "JuneDataDir").mkdir()  # a folder is not a file, whatever its name
    flow = sftp_flow(pattern="J???Data*")

    found = services.poll(flow, "sftp")

    assert sorted(f.name for f in found) == ["JulyData.csv", "JuneData.csv", "JuneData.tsv"]
    assert services.poll(flow, "sftp") == []  # seen once, never recorded again
    assert SftpFile.objects.filter(flow=flow).count() == 3
