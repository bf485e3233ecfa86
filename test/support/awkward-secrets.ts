/**
 * Secret values that broke the old text-after-JSON scrubbing (quote, backslash, newline, JSON
 * literals) or were never scrubbed at all (shorter than four characters). Shared by the scrubber,
 * log sink and config specs.
 */
export const AWKWARD_SECRETS = {
  quote: 'pa"ss',
  backslash: 'C:\\keys\\prod',
  pem: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n',
  unicode: 'clé-Zoë-密钥-🔑',
  jsonNull: 'null',
  jsonTrue: 'true',
  digits: '123',
  short: 'k9',
  single: 'Q',
} as const;
