# mutant of stops_answer: believes a reassembling censor reads everything, records included, and a
# per-packet one nothing that is cut
def stops(reassemble, read_records, cut):
    """Whether an SNI rule stops a client that cuts its hello this way (None, 'segments',
    'records' or 'both'), given how the censor reads."""
    segments = cut in ("segments", "both")
    records = cut in ("records", "both")
    if reassemble:
        return True
    return not (segments or records)
