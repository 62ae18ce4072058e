"""Reading inputs and writing outputs: the only package that touches the file system."""
