/* A tiny C extension over libpq: PQping(conninfo) tells whether a PostgreSQL server accepts
 * connections. It is why the build stage needs gcc and libpq-dev, and the runtime only libpq5. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <libpq-fe.h>

static PyObject *ping(PyObject *self, PyObject *args) {
    const char *conninfo;
    if (!PyArg_ParseTuple(args, "s", &conninfo)) return NULL;
    PGPing result;
    Py_BEGIN_ALLOW_THREADS
    result = PQping(conninfo);
    Py_END_ALLOW_THREADS
    return PyBool_FromLong(result == PQPING_OK);
}

static PyObject *library_version(PyObject *self, PyObject *unused) {
    return PyLong_FromLong(PQlibVersion());
}

static PyMethodDef methods[] = {
    {"ping", ping, METH_VARARGS, "True when the server at conninfo accepts connections."},
    {"library_version", library_version, METH_NOARGS, "libpq's version number."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "pqping", NULL, -1, methods};

PyMODINIT_FUNC PyInit_pqping(void) { return PyModule_Create(&module); }
