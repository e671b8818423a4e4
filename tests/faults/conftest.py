from tests.integration.conftest import big_cloud, cloud  # noqa: F401
