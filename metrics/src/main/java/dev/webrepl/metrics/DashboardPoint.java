package dev.webrepl.metrics;

/**
 * One sample of the dashboard: states at {@code epochMillis}, and what happened since the sample
 * before. NaN means "no value" (no keystroke in the interval has no latency).
 *
 * @param epochMillis         when the sample was taken
 * @param sessions            sessions open (all engines)
 * @param readWriteTerminals  read-write terminals attached
 * @param viewers             view-only terminals attached
 * @param bytesInPerSecond    WebSocket payload bytes received per second, both channels
 * @param bytesOutPerSecond   WebSocket payload bytes sent per second, both channels
 * @param echoP50Millis       keystroke-to-echo latency median over the interval
 * @param echoP99Millis       keystroke-to-echo latency 99th percentile over the interval
 * @param transfers           file transfers that ended in the interval
 * @param failedTransfers     those of them with a non-zero status
 * @param disconnects         terminals whose client went away in the interval (cause {@code peer-gone}):
 *                            the normal end of a terminal
 * @param deactivations       terminals deactivated or refused in the interval for any other cause
 *                            ({@code write-error}, {@code slow-consumer}, {@code limit})
 */
record DashboardPoint(long epochMillis, double sessions, double readWriteTerminals, double viewers,
                      double bytesInPerSecond, double bytesOutPerSecond, double echoP50Millis, double echoP99Millis,
                      double transfers, double failedTransfers, double disconnects, double deactivations) {
}
