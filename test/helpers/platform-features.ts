// Features of the telephony platform (the softswitch), not of cadran: the cockpit's menu must say
// nothing of them rather than lead to dead ends (issue 17). French and English words, and the
// path fragments such pages would have.
export const PLATFORM_FEATURE_WORDS =
  /messagerie|r[ée]pondeur|annonce|voicemail|greeting|journal|historique|call log|call history|groupe|hunt|standard|svi|ivr|serveur vocal|musique|music|attente|on hold|horaire|time-based|schedule|calendrier|routage|routing/i;
export const PLATFORM_FEATURE_PATHS = /href="[^"]*(voicemail|greeting|call-?log|hunt|ivr|moh|music|schedule|routing)/i;
