# Voucher orders arrive with the EnKash issue; the app is installed so its URLs and migrations
# have a home.
