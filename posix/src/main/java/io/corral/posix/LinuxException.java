package io.corral.posix;

/**
 * The one failure of the posix facade: a system call that returned -1, with its name, its errno
 * and the arguments that matter. Wrappers retry {@code EINTR} themselves, so this never carries it.
 *
 * <p>The message reads like runc's: {@code mount src='/a' dst='/b' flags=MS_BIND|MS_REC: EPERM
 * (Operation not permitted)}.
 */
public final class LinuxException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String syscall;
  private final Errno errno;
  private final String detail;

  public LinuxException(String syscall, Errno errno, String detail) {
    super(format(syscall, errno, detail));
    this.syscall = syscall;
    this.errno = errno;
    this.detail = detail;
  }

  public LinuxException(String syscall, Errno errno, String detail, Throwable cause) {
    super(format(syscall, errno, detail), cause);
    this.syscall = syscall;
    this.errno = errno;
    this.detail = detail;
  }

  private static String format(String syscall, Errno errno, String detail) {
    String args = detail == null || detail.isEmpty() ? "" : " " + detail;
    return syscall + args + ": " + errno.name() + " (" + errno.description() + ")";
  }

  public String syscall() {
    return syscall;
  }

  public Errno errno() {
    return errno;
  }

  public String detail() {
    return detail;
  }
}
