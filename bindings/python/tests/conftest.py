import pytest

import keytree


@pytest.fixture(autouse=True)
def no_leaked_handles():
    """Every test leaves the C library with the handles it found."""
    import gc

    gc.collect()
    before = keytree.live_handles()
    yield
    gc.collect()
    assert keytree.live_handles() == before
