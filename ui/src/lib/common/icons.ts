/** Stroke icons of the app (24×24 grid, drawn with currentColor), bundled: no icon font or
 * remote sprite under the strict CSP. */
export const ICONS = {
  search: "M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14z M20 20l-4-4",
  reply: "M9 14 4 9l5-5 M4 9h10.5a5.5 5.5 0 0 1 0 11H11",
  lock: "M6 11h12v9H6z M8.5 11V7.5a3.5 3.5 0 0 1 7 0V11",
  clock: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M12 7.5V12l3 2",
  check: "M5 12.5l4.5 4.5L19 7.5",
  checks: "M2.5 12.5 7 17l9.5-9.5 M12 16.5l.5.5L22 7.5",
  alert: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M12 7.5v5.5 M12 16.5v.01",
  send: "M4 12 20 4l-6 16-2.5-6.5z M11.5 13.5 20 4",
  inbox: "M3 13h5l1.5 3h5l1.5-3h5 M5.5 5h13L21 13v6H3v-6z",
  unassigned: "M12 3v10 M8 9l4 4 4-4 M3 14v5h18v-5",
  closed: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M8 12.5l2.5 2.5L16 9.5",
  all: "M12 3l9 5-9 5-9-5z M3 12.5l9 5 9-5 M3 16.5l9 5 9-5",
  blacklist: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M5.7 5.7l12.6 12.6",
  logout: "M9 4H5v16h4 M15.5 8l4 4-4 4 M19.5 12H10",
  x: "M6 6l12 12 M18 6 6 18",
  user: "M12 4a4 4 0 1 0 0 8a4 4 0 1 0 0-8z M4.5 20.5a7.5 7.5 0 0 1 15 0",
  note: "M5 4h14v10l-6 6H5z M13 20v-6h6",
  chat: "M4 5h16v11H9l-5 4z",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z M10 20.5h4",
  bellOff: "M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z M10 20.5h4 M4 4l16 16",
  toUnassigned: "M12 15V4 M8 8l4-4 4 4 M3 14v5h18v-5",
  chevronUp: "M6 15l6-6 6 6",
  paperclip: "M20 11.5l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7L9.7 17.2a1.7 1.7 0 0 1-2.4-2.4L15 7",
  file: "M6 3h8l4 4v14H6z M14 3v4h4",
  download: "M12 4v11 M7.5 10.5 12 15l4.5-4.5 M4 19h16",
} as const;

export type IconName = keyof typeof ICONS;
