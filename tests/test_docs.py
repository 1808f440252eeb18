"""The documentation stands on its own: a clone has everything it links to."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# A path written as code that leaves the repository, like `../shared/PRODUCT.md`.
PATH_OUTSIDE = re.compile(r"`\.\./[^`]*`")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_points_inside_the_repository(document):
    for target in MARKDOWN_LINK.findall(document.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor on the same page
        path = (document.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), f"{document.name} links to {target}"
    assert PATH_OUTSIDE.findall(document.read_text()) == []


def test_readme_links_both_documents():
    readme = (ROOT / "README.md").read_text()
    assert "(docs/product.md)" in readme and "(docs/architecture.md)" in readme
