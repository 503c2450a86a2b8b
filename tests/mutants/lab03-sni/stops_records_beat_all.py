# mutant of stops_answer: believes a hello cut into TLS records gets past every censor, whatever it
# reads
def stops(reassemble, read_records, cut):
    """Whether an SNI rule stops a client that cuts its hello this way (None, 'segments',
    'records' or 'both'), given how the censor reads."""
    segments = cut in ("segments", "both")
    records = cut in ("records", "both")
    if segments and not reassemble:
        return False  # no single segment holds the name
    if records:
        return False  # the first record does not hold the name
    return True
