def pytest_configure(config):
    config.addinivalue_line("markers", "deduce: loads the deduce worker (slow, needs deduce and a prebuilt cache)")
