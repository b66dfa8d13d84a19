// What the phone-facing listeners (TFTP and HTTP) ask the provisioning core, and what it answers.
// The listeners only speak their protocol; which file a phone gets, and whether it may have it,
// is decided behind a PhoneFileProvider.

export interface PhoneFileRequest {
  /** The requested file name, already checked: no '/', no '..', printable ASCII only. */
  file: string;
  remoteAddress: string;
  /**
   * The local address the request reached (TFTP: the listening socket's own address). Links
   * inside the file are built from it when no public URL is configured, so a phone is never
   * sent to `localhost`.
   */
  localAddress?: string;
  protocol: 'tftp' | 'http';
  userAgent?: string;
  query?: Record<string, string>;
}

export type PhoneFileAnswer =
  | { status: 200; body: Buffer; contentType: string }
  | { status: 401 | 403 | 404 | 429; reason: string };

export type PhoneFileProvider = (req: PhoneFileRequest) => Promise<PhoneFileAnswer>;
