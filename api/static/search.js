"use strict"; // header search suggestions (filled in by the search feature)
