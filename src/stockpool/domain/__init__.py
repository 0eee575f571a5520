"""Pure domain: values and rules about stock. No I/O, no clock, no database."""
