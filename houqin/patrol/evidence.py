"""Evidence of presence as pure functions: a static QR can be photographed once and scanned from a chair.

Each check yields flags ({'code': ..., details}) that are stored with the scan and shown wherever it is, never
dropped: walking faster than the route says is possible, several checkpoints within seconds, a phone clock
that disagrees with the server, a location far from the checkpoint's recorded one.
"""
import math

BURST_COUNT = 3            # this many different checkpoints ...
BURST_SECONDS = 60         # ... within this many seconds is a burst
CLOCK_TOLERANCE_SECONDS = 300
MAX_ACCURACY_METRES = 50   # GPS indoors is often 20–50 m off; a worse fix proves nothing either way
LOCATION_MARGIN_METRES = 50
SEQUENCE_CODES = ('burst', 'too_fast')  # recomputed from the order of scans; the others belong to one scan


def burst_members(scans, count=BURST_COUNT, seconds=BURST_SECONDS):
    """Indexes of the scans that belong to a burst: `count` different places scanned within `seconds`.

    scans: (time, place_id) in time order. Returns {index: (places in the burst, seconds it took)}.
    """
    members = {}
    for last in range(len(scans)):
        first = last
        while first > 0 and (scans[last][0] - scans[first - 1][0]).total_seconds() <= seconds:
            first -= 1
        window = range(first, last + 1)
        places = {scans[i][1] for i in window}
        if len(places) >= count:
            span = round((scans[last][0] - scans[first][0]).total_seconds())
            for i in window:
                if i not in members or members[i][0] < len(places):
                    members[i] = (len(places), span)
    return members


def too_fast(elapsed_seconds, minimum_minutes):
    """True when the walk between two stops took less than the route's minimum for that pair."""
    return bool(minimum_minutes) and elapsed_seconds < minimum_minutes * 60


def sequence_flags(scans, minimum_minutes):
    """Flags that come from the order and timing of one guard's scans.

    scans: dicts with 'time', 'place_id', 'route_id', 'position' (route order, or None), in time order.
    minimum_minutes(route_id, position_a, position_b) -> the pair's minimum walking minutes, 0 when not
    adjacent stops. Returns one list of flags per scan. A scan inside a burst is flagged as a burst only: the
    burst already says the walk was impossible.
    """
    bursts = burst_members([(s['time'], s['place_id']) for s in scans])
    out = []
    for i, scan in enumerate(scans):
        flags = []
        if i in bursts:
            places, span = bursts[i]
            flags.append({'code': 'burst', 'count': places, 'seconds': span})
        elif i > 0:
            before = scans[i - 1]
            if (before['route_id'] == scan['route_id'] and scan['position'] is not None
                    and before['position'] is not None and before['place_id'] != scan['place_id']):
                minimum = minimum_minutes(scan['route_id'], before['position'], scan['position'])
                elapsed = (scan['time'] - before['time']).total_seconds()
                if too_fast(elapsed, minimum):
                    flags.append({'code': 'too_fast', 'seconds': round(elapsed), 'minimum': minimum,
                                  'from_place': before['place_id']})
        out.append(flags)
    return out


def clock_flag(server_time, client_time, tolerance=CLOCK_TOLERANCE_SECONDS):
    """A flag when the phone's clock and the server's disagree by more than the tolerance, else None."""
    if client_time is None:
        return None
    skew = (client_time - server_time).total_seconds()
    if abs(skew) <= tolerance:
        return None
    return {'code': 'clock', 'seconds': round(skew)}


def distance_metres(lat1, lon1, lat2, lon2):
    """Great-circle distance between two WGS-84 points, in metres."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def location_check(scan, checkpoint, max_accuracy=MAX_ACCURACY_METRES, margin=LOCATION_MARGIN_METRES):
    """Compare a scan's location with the checkpoint's: ('far', metres) | ('near', metres) | ('unchecked', why).

    scan and checkpoint are (latitude, longitude, accuracy) with None for unknown. They are compared only when
    both fixes are accurate to `max_accuracy` metres; 'far' means further apart than both accuracies plus a
    margin.
    """
    if scan is None or None in scan:
        return 'unchecked', 'no_location'
    if checkpoint is None or None in checkpoint:
        return 'unchecked', 'no_checkpoint_location'
    if scan[2] > max_accuracy or checkpoint[2] > max_accuracy:
        return 'unchecked', 'inaccurate'
    metres = distance_metres(scan[0], scan[1], checkpoint[0], checkpoint[1])
    if metres > scan[2] + checkpoint[2] + margin:
        return 'far', round(metres)
    return 'near', round(metres)


def merge_flags(existing, sequence):
    """The scan's own flags (clock, far) kept, its sequence flags replaced by a fresh computation."""
    return [f for f in existing if f.get('code') not in SEQUENCE_CODES] + list(sequence)


def valid_location(latitude, longitude, accuracy):
    """True for a plausible browser fix: coordinates on the globe and a positive accuracy in metres."""
    try:
        return (-90 <= float(latitude) <= 90 and -180 <= float(longitude) <= 180
                and 0 < float(accuracy) < 100000)
    except (TypeError, ValueError):
        return False
