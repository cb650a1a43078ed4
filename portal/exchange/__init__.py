"""Exchange with BNSP and the intake spreadsheets: the reporting sheet, BNSP numbers back in,
and applicants with their cases in bulk. Fronts only: files are read and checked here, and every
write goes through the service floor (`casework.imports`)."""
