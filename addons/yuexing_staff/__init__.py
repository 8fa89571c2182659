"""月星防水 staff: technicians, teams, skills, certificates, attendance,
training, performance and payroll. Classes are registered in tryton.cfg."""
