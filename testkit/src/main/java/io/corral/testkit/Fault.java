package io.corral.testkit;

/**
 * What an injected fault does to the call it hits.
 *
 * <ul>
 *   <li>{@link #FAIL}: the expected kind of failure, an {@code IsolatorException} (for an
 *       isolator phase) or a {@code LinuxException} (for a cgroup write), with the message
 *       {@code injected failure};
 *   <li>{@link #THROW}: a bug, an {@link IllegalStateException} with the message
 *       {@code injected exception};
 *   <li>{@link #HANG}: the call does not return until {@link Faults#releaseAll()}; it ignores
 *       interrupts, as a thread stuck in the kernel would. Once released it fails like
 *       {@link #FAIL} without calling the real isolator, so whatever a test finds afterwards was
 *       done, or left undone, by the containerizer alone.
 * </ul>
 */
public enum Fault {
  FAIL, THROW, HANG
}
