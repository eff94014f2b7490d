from setuptools import Extension, setup

setup(
    name="pqping",
    version="1.0.0",
    ext_modules=[Extension("pqping", ["pqping.c"], include_dirs=["/usr/include/postgresql"], libraries=["pq"])],
)
