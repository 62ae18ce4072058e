"""One module per rule family; each rule adds its constraints and returns its penalty terms."""
