mod fieldnation;
