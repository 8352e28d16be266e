"""Units and who sees what (REQUIREMENTS H1–H5, A12, A13): the unit tree, real administrative
units, CSV, the data scope and roles."""
