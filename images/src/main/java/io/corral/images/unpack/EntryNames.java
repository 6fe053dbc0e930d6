package io.corral.images.unpack;

/**
 * Normalizes the name of a tar entry to a path relative to the layer root. As Docker does, a
 * name is always relative to the layer root: leading slashes are dropped ({@code /etc/passwd}
 * is {@code etc/passwd}), and so are empty and {@code .} components. Any {@code ..} component is
 * refused, even one that would stay inside the layer ({@code a/../b}): no image needs it.
 */
public final class EntryNames {
  private EntryNames() {}

  /** The normalized name, {@code ""} for the layer root itself. */
  public static String normalize(String raw) throws UnsafeLayerException {
    if (raw.indexOf('\0') >= 0) {
      throw new UnsafeLayerException("entry '" + raw.replace('\0', '?') + "' has a NUL in its name");
    }
    StringBuilder name = new StringBuilder(raw.length());
    for (String component : raw.split("/")) {
      if (component.isEmpty() || component.equals(".")) {
        continue;
      }
      if (component.equals("..")) {
        throw new UnsafeLayerException("entry '" + raw + "' has a '..' component");
      }
      if (name.length() > 0) {
        name.append('/');
      }
      name.append(component);
    }
    return name.toString();
  }

  /** The last component of a normalized, non-empty name. */
  static String base(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  /** The parent of a normalized name, {@code ""} for the layer root. */
  static String parent(String name) {
    int slash = name.lastIndexOf('/');
    return slash < 0 ? "" : name.substring(0, slash);
  }

  /** {@code child} in the directory {@code parent} (both normalized). */
  static String child(String parent, String child) {
    return parent.isEmpty() ? child : parent + "/" + child;
  }
}
