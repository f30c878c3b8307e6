"""``ongpt-staff``: a command per staff route of API.md, signed with SigV4 as the staff member's
own role (``Support``, ``Compliance`` or ``Admin``), against the deployed API or the local
runtime."""
