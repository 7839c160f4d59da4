"""Channel tests of the Bullseye loop: inputs, live evaluation, decisions and their queries."""
