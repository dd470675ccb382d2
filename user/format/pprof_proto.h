/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * profile.proto's field numbers (github.com/google/pprof, proto/profile.proto)
 * and ember's conventions inside the format, shared by the pprof writer and
 * reader.
 */
#ifndef EMBER_PPROF_PROTO_H
#define EMBER_PPROF_PROTO_H

enum {
	PROFILE_SAMPLE_TYPE = 1,	  /* ValueType */
	PROFILE_SAMPLE = 2,		  /* Sample */
	PROFILE_MAPPING = 3,		  /* Mapping */
	PROFILE_LOCATION = 4,		  /* Location */
	PROFILE_FUNCTION = 5,		  /* Function */
	PROFILE_STRING_TABLE = 6,	  /* string, "" first */
	PROFILE_DROP_FRAMES = 7,	  /* int64 string index */
	PROFILE_KEEP_FRAMES = 8,	  /* int64 string index */
	PROFILE_TIME_NANOS = 9,		  /* int64 */
	PROFILE_DURATION_NANOS = 10,	  /* int64 */
	PROFILE_PERIOD_TYPE = 11,	  /* ValueType */
	PROFILE_PERIOD = 12,		  /* int64 */
	PROFILE_COMMENT = 13,		  /* repeated int64 string index */
	PROFILE_DEFAULT_SAMPLE_TYPE = 14, /* int64 string index */

	VALUE_TYPE_TYPE = 1, /* int64 string index */
	VALUE_TYPE_UNIT = 2, /* int64 string index */

	SAMPLE_LOCATION_ID = 1, /* repeated uint64, leaf first */
	SAMPLE_VALUE = 2,	/* repeated int64, one per sample type */
	SAMPLE_LABEL = 3,	/* Label */

	LABEL_KEY = 1,	    /* int64 string index */
	LABEL_STR = 2,	    /* int64 string index */
	LABEL_NUM = 3,	    /* int64 */
	LABEL_NUM_UNIT = 4, /* int64 string index */

	MAPPING_ID = 1,		   /* uint64, not 0 */
	MAPPING_MEMORY_START = 2,  /* uint64 */
	MAPPING_MEMORY_LIMIT = 3,  /* uint64 */
	MAPPING_FILE_OFFSET = 4,   /* uint64 */
	MAPPING_FILENAME = 5,	   /* int64 string index */
	MAPPING_BUILD_ID = 6,	   /* int64 string index */
	MAPPING_HAS_FUNCTIONS = 7, /* bool */

	LOCATION_ID = 1,	 /* uint64, not 0 */
	LOCATION_MAPPING_ID = 2, /* uint64, 0: none */
	LOCATION_ADDRESS = 3,	 /* uint64 */
	LOCATION_LINE = 4,	 /* Line, innermost (inlined) first */

	LINE_FUNCTION_ID = 1, /* uint64 */
	LINE_LINE = 2,	      /* int64 */

	FUNCTION_ID = 1,	  /* uint64, not 0 */
	FUNCTION_NAME = 2,	  /* int64 string index */
	FUNCTION_SYSTEM_NAME = 3, /* int64 string index */
	FUNCTION_FILENAME = 4,	  /* int64 string index */
};

/* The one mapping of every kernel frame (perf's name for the kernel). */
#define PPROF_KERNEL_MAPPING "[kernel.kallsyms]"
/* The sample label naming the root frame's process. */
#define PPROF_PROCESS_LABEL "process"
/* A profile counter as a comment: "ember counter NAME=VALUE". */
#define PPROF_COUNTER_PREFIX "ember counter "

#endif
