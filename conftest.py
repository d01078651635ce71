"""Make the shared fixtures (tests/conftest.py) available to every package's tests."""

pytest_plugins = ["tests.fixtures", "tests.lab_fixtures"]
