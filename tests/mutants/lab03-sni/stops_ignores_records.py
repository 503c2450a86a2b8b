# mutant of stops_answer: forgets TLS records: only a TCP cut matters, and only against a
# per-packet censor
def stops(reassemble, read_records, cut):
    """Whether an SNI rule stops a client that cuts its hello this way (None, 'segments',
    'records' or 'both'), given how the censor reads."""
    segments = cut in ("segments", "both")
    if segments and not reassemble:
        return False  # no single segment holds the name
    return True
