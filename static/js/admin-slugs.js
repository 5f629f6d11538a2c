'use strict';
// Slugs that the admin fills in from a title (prepopulated_fields) stop at 60 characters, cut
// between words: Django's URLify would cut mid-word at the field's max_length (120). Only the
// suggestion is shorter; longer slugs typed by hand, or saved before, stay valid.
{
    const SLUG_LENGTH = 60;
    const urlify = window.URLify;
    window.URLify = function(text, maxLength, allowUnicode) {
        const limit = Math.min(maxLength, SLUG_LENGTH);
        const full = urlify(text, text.length + 1, allowUnicode);
        if (full.length <= limit) {
            return full;
        }
        const boundary = full.slice(0, limit + 1).lastIndexOf('-');
        return (boundary > 0 ? full.slice(0, boundary) : full.slice(0, limit)).replace(/-+$/, '');
    };
}
