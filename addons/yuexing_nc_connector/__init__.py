"""月星防水 业财一体化 and the Yonyou NC connector: vouchers from posted
moves pushed to NC XChange, cost bookings, master-data sync. Classes are
registered in tryton.cfg."""
