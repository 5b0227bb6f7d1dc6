"""Pure cryptography: the wire envelope (`envelope`) and secrets at rest (`atrest`)."""
